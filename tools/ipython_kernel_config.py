"""IPython kernel configuration for site builds (tools/build.sh installs it).

ipykernel 7 logs one notice at every kernel start: "Kernel is running over TCP without
encryption ...". The build's kernels talk to Jupyter Book over the loopback interface
only (and the kernel transport cannot be chosen through MyST-NB), so the notice says
nothing about the pages; it would only hide real warnings in the build log. This
filter drops exactly that message and lets every other kernel log line through.
"""

import logging

TCP_NOTICE = "Kernel is running over TCP without encryption"


class _DropTcpNotice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(TCP_NOTICE)


logging.getLogger("IPKernelApp").addFilter(_DropTcpNotice())
