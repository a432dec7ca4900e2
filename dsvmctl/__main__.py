"""`python -m dsvmctl ...`"""

from dsvmctl.cli import main

main()
