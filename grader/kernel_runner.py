"""Run a submitted notebook cell by cell in the sandboxed kernel, and finish whatever its code does to the kernel.

``KernelRunner.run(nb, cwd)`` executes every code cell with a time limit per cell and per notebook. A cell that
kills the kernel (memory cap, ``os._exit``, a crash), runs past its time limit, or leaves the kernel unable to
answer (its code broke the kernel's messaging) is recorded as failed; the kernel is restarted, the cells before it
are replayed silently (outputs discarded), and grading goes on with the next cell. Such a cell is never replayed,
so one that breaks the kernel cannot break it again. A submission holds its worker for at most its cells' own run
time plus ``hang_budget`` seconds of hung cells and restarts; past that, or past ``restarts`` restarts, the
remaining cells are recorded as not run, with the reason.

The kernel is chosen by ``kernel_dirs`` (the sandbox's kernelspec, sandbox.kernelspec_dir()) and gets ``env`` as
its environment; nothing of this process's environment changes, so a Jupyter server that grades (the formgrader)
keeps its own kernels as they were.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import copy
import json
import math
import os
import time
from pathlib import Path

OUTPUT_LIMIT = 8 * 1024 * 1024  # bytes of outputs kept per notebook; the rest is dropped, with a note
PROBE_SECONDS = 10              # how long a kernel may take to answer "are you there?" after a cell


def error_output(ename, evalue):
    from nbformat.v4 import new_output
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def has_error(cell) -> bool:
    return any(o.output_type == "error" for o in cell.get("outputs", []))


class _Restart(Exception):
    """The kernel must be restarted (it died, hung, or stopped answering)."""


def _bounded_client_class():
    from nbclient import NotebookClient

    class BoundedClient(NotebookClient):
        """Keeps at most OUTPUT_LIMIT bytes of a notebook's outputs in memory: printing without end in a loop
        must not exhaust the grader (the kernel's own memory is limited by the sandbox, the grader's is not)."""

        kept = 0

        def output(self, outs, msg, display_id, cell_index):
            size = len(json.dumps(msg.get("content", {}), default=str))
            if self.kept + size > OUTPUT_LIMIT:
                if not getattr(self, "_noted", False):
                    self._noted = True
                    from nbformat.v4 import new_output
                    outs.append(new_output("stream", name="stdout",
                                           text=f"[output beyond {OUTPUT_LIMIT // 2**20} MB dropped]\n"))
                return None
            self.kept += size
            return super().output(outs, msg, display_id, cell_index)

    return BoundedClient


class KernelRunner:
    """See the module's docstring. ``events`` collects what happened (kernel deaths, hangs, cells not run)."""

    def __init__(self, cell_timeout, notebook_timeout, restarts=3, hang_budget=120, *, runtime_dir,
                 kernel_dirs=None, env=None, kernel_name="python3", watch=None):
        self.cell_timeout, self.notebook_timeout = cell_timeout, notebook_timeout
        self.restarts, self.hang_budget = restarts, hang_budget
        self.runtime_dir, self.kernel_dirs = Path(runtime_dir), kernel_dirs
        self.env = dict(os.environ if env is None else env)
        self.kernel_name = kernel_name
        self.watch = watch  # optional coroutine function(kill) run beside each cell (e.g. a memory watchdog)
        self.events = []
        self.lost_seconds = 0.0  # time spent on cells that hung and on restarts

    # -------------------------------------------------------------------------------------------------- setup
    def _client(self, nb, cwd):
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_client.manager import AsyncKernelManager
        specs = KernelSpecManager(kernel_dirs=[str(d) for d in self.kernel_dirs]) if self.kernel_dirs else None
        # Unix sockets in this job's runtime folder: the sandbox has no network, and no other job can connect.
        manager = AsyncKernelManager(kernel_name=self.kernel_name, transport="ipc",
                                     ip=str(self.runtime_dir / "kernel"),
                                     connection_file=str(self.runtime_dir / f"kernel-{os.urandom(4).hex()}.json"),
                                     **({"kernel_spec_manager": specs} if specs else {}))
        client = _bounded_client_class()(
            nb, km=manager, timeout=self.cell_timeout, kernel_name=self.kernel_name, allow_errors=True,
            interrupt_on_timeout=False, raise_on_iopub_timeout=False, iopub_timeout=4,
            extra_arguments=["--HistoryManager.enabled=False", "--InteractiveShell.xmode=Minimal"],
            resources={"metadata": {"path": str(cwd)}})
        return client

    async def _responsive(self, client) -> bool:
        """Whether the kernel still answers a request on its shell channel (after a cell whose code may have broken
        the kernel's messaging)."""
        msg_id = client.kc.kernel_info()
        deadline = time.monotonic() + PROBE_SECONDS
        while time.monotonic() < deadline:
            try:
                reply = await client.kc.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
            except Exception:  # noqa: BLE001 - queue.Empty or a closed channel: no answer
                return False
            if reply.get("parent_header", {}).get("msg_id") == msg_id:
                return True
        return False

    # ---------------------------------------------------------------------------------------------------- run
    def run(self, nb, cwd):
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            asyncio.run(self._run(nb, cwd))
        else:  # called from a running event loop (the formgrader's request handler): a thread of its own
            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                pool.submit(asyncio.run, self._run(nb, cwd)).result()
        return nb

    async def _run(self, nb, cwd):
        from nbclient.exceptions import CellTimeoutError, DeadKernelError
        deadline = time.monotonic() + self.notebook_timeout
        code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()]
        skipped, position, restarts = set(), 0, 0
        while position < len(code):
            client = self._client(nb, cwd)
            finished = False
            try:
                async with client.async_setup_kernel(env=self.env, cleanup_kc=True):  # we own the km
                    client.timeout = 60
                    await client.async_wait_for_reply(client.kc.kernel_info())
                    await self._replay(client, nb, code[:position], skipped, deadline)
                    while position < len(code):
                        index = code[position]
                        remaining = deadline - time.monotonic()
                        if remaining <= 0:
                            self._not_run(nb, code[position:], f"the notebook used up its {self.notebook_timeout} s")
                            return
                        capped = remaining < self.cell_timeout  # a timeout now is the notebook's cap
                        # whole seconds (nbclient's timeout is an int), rounded up: a cap never fires early
                        client.timeout = max(1, math.ceil(min(self.cell_timeout, remaining)))
                        started = time.monotonic()
                        try:
                            await self._execute(client, nb.cells[index], index, position + 1)
                        except DeadKernelError:
                            nb.cells[index].outputs.append(error_output(
                                "KernelDied", "the kernel stopped while running this cell (memory limit, "
                                "os._exit or a crash)"))
                            self.events.append(f"kernel died in cell {index}")
                            skipped.add(index)
                            position += 1
                            raise _Restart() from None
                        except CellTimeoutError:
                            if capped:
                                why = f"the notebook used up its {self.notebook_timeout} s"
                                nb.cells[index].outputs.append(error_output("CellTimeoutError", why))
                                self.events.append(f"cell {index} stopped: {why}")
                                self._not_run(nb, code[position + 1:], why)
                                return
                            nb.cells[index].outputs.append(error_output(
                                "CellTimeoutError", f"the cell ran longer than {self.cell_timeout} s; the kernel "
                                "was restarted and grading went on without it"))
                            self.events.append(f"cell {index} timed out after {self.cell_timeout} s")
                            self.lost_seconds += time.monotonic() - started
                            skipped.add(index)
                            position += 1
                            raise _Restart() from None
                        position += 1
                        if not await self._responsive(client):
                            nb.cells[index].outputs.append(error_output(
                                "KernelUnresponsive", "after this cell the kernel stopped answering (the code broke "
                                "its messaging); it was restarted and grading went on without this cell"))
                            self.events.append(f"kernel stopped answering after cell {index}")
                            self.lost_seconds += PROBE_SECONDS
                            skipped.add(index)
                            raise _Restart()
                    finished = True
            except _Restart:
                # the kernel's shutdown interrupts what still ran: that is not the cell's own error
                for index in skipped:
                    nb.cells[index].outputs = [o for o in nb.cells[index].outputs
                                               if o.get("ename") != "KeyboardInterrupt"]
                restarts += 1
                began = time.monotonic()
                if restarts > self.restarts:
                    self._not_run(nb, code[position:], f"the kernel had to be restarted more than "
                                                       f"{self.restarts} times")
                    return
                if self.lost_seconds > self.hang_budget:
                    self._not_run(nb, code[position:], f"cells that hung or broke the kernel used up "
                                                       f"{self.hang_budget} s")
                    return
                self.lost_seconds += time.monotonic() - began
                continue
            except Exception as error:  # noqa: BLE001 - a kernel that cannot start or answer fails the rest
                if finished:
                    return  # every cell ran; only the kernel's shutdown failed
                self.events.append(f"execution stopped: {type(error).__name__}: {error}")
                self._not_run(nb, code[position:], f"execution stopped ({type(error).__name__})")
                return

    async def _execute(self, client, cell, index, count):
        if self.watch is None:
            return await client.async_execute_cell(cell, index, execution_count=count)
        watcher = asyncio.ensure_future(self.watch(self._killer(client), self.events))
        try:
            return await client.async_execute_cell(cell, index, execution_count=count)
        finally:
            watcher.cancel()

    @staticmethod
    def _killer(client):
        def kill():
            process = getattr(getattr(client.km, "provisioner", None), "process", None)
            if process is not None:
                try:
                    process.kill()  # the jail dies with its launcher (--die-with-parent)
                except ProcessLookupError:
                    pass
        return kill

    async def _replay(self, client, nb, indices, skipped, deadline):
        """Run the cells before the restart point again, outputs discarded. A cell that hangs or breaks the kernel
        on replay is skipped from then on (and the kernel restarted again)."""
        from nbclient.exceptions import CellTimeoutError
        began = time.monotonic()
        for index in indices:
            if index in skipped:
                continue
            client.timeout = max(1, min(self.cell_timeout, int(deadline - time.monotonic())))
            try:
                await client.async_execute_cell(copy.deepcopy(nb.cells[index]), index)
            except CellTimeoutError:
                self.events.append(f"cell {index} hung when it was replayed after a restart; it is left out")
                skipped.add(index)
                self.lost_seconds += time.monotonic() - began
                raise _Restart() from None
            if not await self._responsive(client):
                self.events.append(f"the kernel stopped answering when cell {index} was replayed; it is left out")
                skipped.add(index)
                self.lost_seconds += time.monotonic() - began
                raise _Restart()
        self.lost_seconds += time.monotonic() - began if indices else 0.0

    def _not_run(self, nb, indices, why):
        if not indices:
            return
        self.events.append(f"{len(indices)} cell(s) not run: {why}")
        for index in indices:
            nb.cells[index].outputs = [error_output("NotRun", f"not run: {why}")]
