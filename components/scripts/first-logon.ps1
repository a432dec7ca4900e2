# dsvm first logon: bring the data disk online with a drive letter, without ever formatting a disk that has data.
# The data disk is LUN 0 on SCSI sizes; on NVMe-only sizes (v6) it is the remote NVMe disk ('MSFT NVMe
# Accelerator v1.0'), never the local NVMe temp disk ('Microsoft NVMe Direct Disk', RAW after every
# deallocation). Only a RAW disk is initialised and formatted, or a GPT disk with no partition but the
# reserved one (a run of this script cut short); a re-attached disk keeps its volume. The volume gets F:, or
# the next free letter when F: is taken. The member's work lives in <letter>:\work, linked from the profile.
# Idempotent: run C:\AzureData\dsvm-first-logon.ps1 again to finish or repair. Not confirmed on an image: the
# Location text of an NVMe disk (an NVMe data disk is therefore told by its model, and there is one).
$ErrorActionPreference = 'Stop'
$log = 'C:\AzureData\dsvm-first-logon.log'
function Log($text) { Add-Content -Path $log -Value "$(Get-Date -Format s) $text" }

function Get-DataDisk {
    $disks = @(Get-Disk | Where-Object {
        -not $_.IsBoot -and -not $_.IsSystem -and $_.FriendlyName -notmatch 'NVMe Direct Disk' -and
        ($_.FriendlyName -match 'NVMe Accelerator' -or $_.Location -match 'LUN 0$')
    })
    if ($disks.Count -gt 1) { Log "more than one disk looks like the data disk ($($disks.Number -join ', ')): none touched"; return $null }
    if ($disks.Count -eq 0) { return $null }
    return $disks[0]
}

function Get-FreeLetter {
    $used = @(Get-Volume | ForEach-Object { [string]$_.DriveLetter }) + @(Get-PSDrive -PSProvider FileSystem | ForEach-Object { $_.Name })
    foreach ($letter in 'FGHIJKLMNOPQRSTUVWXYZ'.ToCharArray()) { if ($used -notcontains [string]$letter) { return $letter } }
    throw 'no free drive letter for the data disk'
}

$disk = Get-DataDisk
if ($null -ne $disk) {
    $parts = @(Get-Partition -DiskNumber $disk.Number -ErrorAction SilentlyContinue | Where-Object { $_.Type -ne 'Reserved' })
    if ($disk.PartitionStyle -eq 'RAW') {
        Initialize-Disk -Number $disk.Number -PartitionStyle GPT
        Log "initialised the blank data disk $($disk.Number)"
        $parts = @()
    }
    if ($disk.PartitionStyle -ne 'MBR' -and $parts.Count -eq 0) {
        $letter = Get-FreeLetter
        New-Partition -DiskNumber $disk.Number -UseMaximumSize -DriveLetter $letter |
            Format-Volume -FileSystem NTFS -NewFileSystemLabel 'dsvmdata' -Confirm:$false | Out-Null
        Log "formatted the data disk $($disk.Number) as ${letter}:"
    }
}
$volume = Get-Volume -FileSystemLabel 'dsvmdata' -ErrorAction SilentlyContinue | Select-Object -First 1
if ($null -eq $volume) {
    Log 'no dsvmdata volume: a disk from a Linux DSVM (ext4, which Windows cannot read) or none; nothing touched'
    exit 0
}
$letter = $volume.DriveLetter
if (-not $letter) {
    $letter = Get-FreeLetter
    Get-Partition -Volume $volume | Set-Partition -NewDriveLetter $letter
    Log "gave the data disk the drive letter ${letter}:"
}
$work = "${letter}:\work"
New-Item -ItemType Directory -Force -Path $work | Out-Null
$link = Join-Path $env:USERPROFILE 'work'
if (-not (Test-Path $link)) { New-Item -ItemType Junction -Path $link -Target $work | Out-Null }
Log "$work ready ($link points to it)"
