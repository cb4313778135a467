"""A parent process that imports a framework once and forks one child per snippet run.

Importing TensorFlow costs about 6 s of CPU and PyTorch about 3 s, more than most snippets
take to run. Each snippet file still runs in a process of its own, a fresh child, but that
child is forked from a parent that has already imported the framework and a library most of
its snippets import (run.py's PRELOAD). The imports start no runtime: no session, no thread
pool, no device is set up before the fork. Environment variables that a framework reads at
import time therefore come from checks.yml `runs`, not from the snippet's own `os.environ`
edits before its import.

    python tests/harness/prewarmed.py MODULE[,MODULE...]

The parent reads one JSON request a line on stdin and answers on stdout:
{"ready": true} once the modules are imported, then for each request {"pid": N} when the child
has started and {"exit": CODE, "cpu": SECONDS} when it has ended. Standard library only.
"""

import atexit
import faulthandler
import importlib
import json
import os
import signal
import sys
import traceback

STACK_SIGNAL = signal.SIGUSR1


def serve() -> None:
    for module in sys.argv[1].split(","):
        importlib.import_module(module)
    import runner  # tests/harness/runner.py, beside this file (sys.path[0])

    reply = sys.stdout
    print(json.dumps({"ready": True}), file=reply, flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            run_child(runner, request)  # never returns
        print(json.dumps({"pid": pid}), file=reply, flush=True)
        _, status, usage = os.wait4(pid, 0)  # usage: the child and the children it waited for
        cpu = usage.ru_utime + usage.ru_stime
        print(json.dumps({"exit": os.waitstatus_to_exitcode(status), "cpu": cpu}), file=reply, flush=True)


def run_child(runner, request: dict) -> None:
    """In the forked child: become a fresh process for one snippet, run it, exit."""
    code = 1
    try:
        os.setsid()  # its own process group, so the harness can kill it and its children
        os.chdir(request["cwd"])
        # stdin and stdout are the parent's request and reply pipes: never the snippet's.
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        os.dup2(os.open(request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 2)
        # On a timeout the harness sends SIGUSR1 first: every thread's stack goes to stderr, so
        # the report can name the line the snippet was stuck on.
        faulthandler.register(STACK_SIGNAL, file=sys.stderr, all_threads=True)
        sys.argv = [runner.__file__, request["snippet"], request["result_dir"]]
        code = runner.run(request["snippet"], request["result_dir"], request["keep"])
        atexit._run_exitfuncs()  # as at a normal interpreter exit
    except BaseException:  # noqa: BLE001 - the harness reads it from the stderr file
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


if __name__ == "__main__":
    serve()
