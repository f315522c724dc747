"""A tiny app for dockdjango's build tests: prints a greeting using its one dependency."""

import six
from greet import message

if __name__ == "__main__":
    print(message(), "six", six.__version__)
