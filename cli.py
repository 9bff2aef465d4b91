"""The ``grade`` entry point; the commands live in ``autograde.commands``."""

from autograde.commands import main

if __name__ == "__main__":
    main()
