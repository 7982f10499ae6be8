from omniwise.cli.main import main
