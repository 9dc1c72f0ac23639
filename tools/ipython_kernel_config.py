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


# Kernels the test suite starts while its site build runs yield the CPU to the build's
# kernels (conftest.py sets OPTIMLAB_KERNEL_NICE for them; the build's own kernels never
# get it). Kernels start in a session of their own, and with the kernel's autogroup
# scheduling (/proc/sys/kernel/sched_autogroup_enabled) plain `nice` only ranks
# processes of one session against each other: the session's autogroup needs the nice
# value too.
def _yield_cpu(nice: str) -> None:
    import os

    try:
        with open("/proc/self/autogroup", "w") as autogroup:
            autogroup.write(nice)
    except OSError:
        pass  # no autogroups here: plain nice is enough
    os.nice(int(nice))


def _kernel_nice() -> str:
    import os

    return os.environ.get("OPTIMLAB_KERNEL_NICE", "")


if _kernel_nice().isdigit():
    _yield_cpu(_kernel_nice())
