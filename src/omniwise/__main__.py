"""`python -m omniwise` runs the same command as `omniwise`."""

from omniwise.cli import main

main()
