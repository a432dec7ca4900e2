# dsvm first logon: bring the data disk online as F: without ever formatting a disk that has data.
# Only a RAW disk (never initialised) is initialised and formatted; a re-attached disk keeps its
# volume and only gets its drive letter back. The member's work lives in F:\work.
$ErrorActionPreference = 'Stop'
$log = 'C:\AzureData\dsvm-first-logon.log'
function Log($text) { Add-Content -Path $log -Value "$(Get-Date -Format s) $text" }

$raw = Get-Disk | Where-Object { $_.PartitionStyle -eq 'RAW' -and $_.Location -match 'LUN 0' }
foreach ($disk in $raw) {
    Initialize-Disk -Number $disk.Number -PartitionStyle GPT -PassThru |
        New-Partition -DriveLetter F -UseMaximumSize |
        Format-Volume -FileSystem NTFS -NewFileSystemLabel 'dsvmdata' -Confirm:$false | Out-Null
    Log "initialised and formatted the blank data disk $($disk.Number) as F:"
}
$volume = Get-Volume -FileSystemLabel 'dsvmdata' -ErrorAction SilentlyContinue
if ($null -eq $volume) { Log 'no data disk volume found: nothing to do'; exit 0 }
if ($volume.DriveLetter -ne 'F') {
    Get-Partition -Volume $volume | Set-Partition -NewDriveLetter F
    Log 'gave the data disk back its drive letter F:'
}
New-Item -ItemType Directory -Force -Path 'F:\work' | Out-Null
$link = Join-Path $env:USERPROFILE 'work'
if (-not (Test-Path $link)) { New-Item -ItemType Junction -Path $link -Target 'F:\work' | Out-Null }
Log "F:\work ready ($link points to it)"
