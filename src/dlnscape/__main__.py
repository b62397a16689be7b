"""``python -m dlnscape`` is the ``dlnscape`` command."""

from dlnscape.cli import main

if __name__ == "__main__":
    main()
