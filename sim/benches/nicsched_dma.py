"""Host memory behind a Corundum-style DMA write engine, for the benches of results into host memory.

`DmaHost` plays what sits on the other side of nicsched_app's DMA client port inside Corundum: the
DMA interface (dma_if_pcie's write path) and host memory. It takes write descriptors
(m_axis_dma_write_desc_*: dma_addr, ram_sel, ram_addr, len, tag), reads the bytes from the app's
segmented DMA RAM port (dma_ram_rd_cmd_* / dma_ram_rd_resp_*: one command per segment word, the
responses of a segment in command order), writes them into a sparse host memory at dma_addr and
returns a status (s_axis_dma_write_desc_status_*: tag, error) one cycle long, in descriptor order.

Back-pressure is seeded and per channel: the descriptor's ready, the RAM command's valid and the
response's ready are each high with a probability, statuses come back after a random delay, and
`hold_desc` / `hold_status` stop a channel outright. Protocol rules it checks (recorded in
`protocol_errors`): a descriptor, once offered, stays offered with the same fields until taken;
ram_sel is 0; every write is MAILBOX_ENTRY_BYTES long, lies inside the mailbox and inside one
4 KiB page.

Convention (nicsched_common.py): inputs are driven right after the falling edge and handshakes are
sampled in the ReadOnly phase after it; they complete at the next rising edge.
"""

from __future__ import annotations

import random
from collections import deque

import cocotb
from cocotb.triggers import FallingEdge, ReadOnly

from nicsched_common import sig_int


class DmaHost:
    def __init__(self, dut, cyc, rng: random.Random, *, desc_ready_p: float = 1.0, cmd_valid_p: float = 1.0,
                 resp_ready_p: float = 1.0, status_delay: tuple[int, int] = (0, 0), queue_depth: int = 4,
                 window: tuple[int, int] | None = None, entry_bytes: int = 16):
        self.dut = dut
        self.cyc = cyc
        self.rng = rng
        self.desc_ready_p = desc_ready_p
        self.cmd_valid_p = cmd_valid_p
        self.resp_ready_p = resp_ready_p
        self.status_delay = status_delay
        self.queue_depth = queue_depth
        self.window = window  # (base, bytes) the writes must stay in, when set
        self.entry_bytes = entry_bytes
        self.hold_desc = False
        self.hold_status = False
        self.error_next = 0  # > 0: the next descriptors complete with this error and write nothing
        self.mem: dict[int, int] = {}
        self.writes: list[dict] = []  # every completed write: cycle, addr, len, tag, data, error
        self.protocol_errors: list[str] = []
        self.segs = len(dut.dma_ram_rd_cmd_valid)
        self.seg_bits = len(dut.dma_ram_rd_resp_data) // self.segs
        self.seg_be = self.seg_bits // 8
        self.seg_addr_bits = len(dut.dma_ram_rd_cmd_addr) // self.segs
        self.sel_bits = len(dut.dma_ram_rd_cmd_sel) // self.segs
        self._descs: deque[dict] = deque()     # accepted, not yet read from the RAM
        self._op: dict | None = None            # the descriptor being read
        self._cmds: list[deque[int]] = [deque() for _ in range(self.segs)]     # segment addresses to ask for
        self._expect: list[deque[int]] = [deque() for _ in range(self.segs)]   # asked, response due
        self._cmd_valid = [False] * self.segs
        self._statuses: deque[tuple[int, int, int]] = deque()  # (due cycle, tag, error)
        self._offered: tuple | None = None      # descriptor fields offered last cycle, not taken
        self._desc_ready = False
        self._resp_ready = [False] * self.segs
        for name in ("m_axis_dma_write_desc_ready", "s_axis_dma_write_desc_status_valid",
                     "s_axis_dma_write_desc_status_tag", "s_axis_dma_write_desc_status_error",
                     "dma_ram_rd_cmd_sel", "dma_ram_rd_cmd_addr", "dma_ram_rd_cmd_valid", "dma_ram_rd_resp_ready"):
            getattr(dut, name).value = 0
        cocotb.start_soon(self._run())

    # ---- host memory --------------------------------------------------------------------------
    def read(self, addr: int, n: int) -> bytes:
        return bytes(self.mem.get(addr + i, 0) for i in range(n))

    def words(self, addr: int, n: int) -> list[int]:
        """n little-endian 32-bit words at addr."""
        b = self.read(addr, 4 * n)
        return [int.from_bytes(b[4 * i:4 * i + 4], "little") for i in range(n)]

    @property
    def busy(self) -> bool:
        return bool(self._descs or self._op or self._statuses)

    # ---- the engine ---------------------------------------------------------------------------
    def _start_op(self) -> None:
        d = self._descs.popleft()
        words = []
        for a in range(d["ram_addr"], d["ram_addr"] + d["len"]):
            w = (a // self.seg_be % self.segs, a // (self.seg_be * self.segs))
            if w not in words:
                words.append(w)
        d["words"] = {}
        d["need"] = len(words)
        for seg, addr in words:
            self._cmds[seg].append(addr)
        self._op = d

    def _finish_op(self) -> None:
        d = self._op
        self._op = None
        data = bytearray()
        for a in range(d["ram_addr"], d["ram_addr"] + d["len"]):
            seg, addr = a // self.seg_be % self.segs, a // (self.seg_be * self.segs)
            word = d["words"][(seg, addr)]
            data.append((word >> (8 * (a % self.seg_be))) & 0xFF)
        error = 0
        if self.error_next:
            error = self.error_next
            self.error_next = 0
        else:
            for i, b in enumerate(data):
                self.mem[d["dma_addr"] + i] = b
        self.writes.append({"cycle": self.cyc.n, "addr": d["dma_addr"], "len": d["len"], "tag": d["tag"],
                            "data": bytes(data), "error": error})
        lo, hi = self.status_delay
        self._statuses.append((self.cyc.n + self.rng.randint(lo, hi), d["tag"], error))

    def _check_desc(self, d: dict) -> None:
        where = f"descriptor {d}"
        if d["ram_sel"] != 0:
            self.protocol_errors.append(f"{where}: ram_sel {d['ram_sel']}")
        if d["len"] != self.entry_bytes:
            self.protocol_errors.append(f"{where}: len {d['len']}, an entry is {self.entry_bytes}")
        if d["dma_addr"] // 4096 != (d["dma_addr"] + d["len"] - 1) // 4096:
            self.protocol_errors.append(f"{where}: crosses a 4 KiB boundary")
        if self.window is not None:
            base, size = self.window
            if not (base <= d["dma_addr"] and d["dma_addr"] + d["len"] <= base + size):
                self.protocol_errors.append(f"{where}: outside the mailbox [0x{base:x}, +{size})")

    def _desc_fields(self) -> dict:
        d = self.dut
        return {"dma_addr": sig_int(d.m_axis_dma_write_desc_dma_addr), "ram_sel": sig_int(d.m_axis_dma_write_desc_ram_sel),
                "ram_addr": sig_int(d.m_axis_dma_write_desc_ram_addr), "len": sig_int(d.m_axis_dma_write_desc_len),
                "tag": sig_int(d.m_axis_dma_write_desc_tag)}

    async def _run(self) -> None:
        d = self.dut
        mask_addr = (1 << self.seg_addr_bits) - 1
        while True:
            await FallingEdge(d.clk)
            # drive this cycle's inputs
            self._desc_ready = (not self.hold_desc and len(self._descs) < self.queue_depth
                                and self.rng.random() < self.desc_ready_p)
            d.m_axis_dma_write_desc_ready.value = int(self._desc_ready)
            status = None
            if not self.hold_status and self._statuses and self._statuses[0][0] <= self.cyc.n:
                status = self._statuses.popleft()
            d.s_axis_dma_write_desc_status_valid.value = int(status is not None)
            d.s_axis_dma_write_desc_status_tag.value = status[1] if status else 0
            d.s_axis_dma_write_desc_status_error.value = status[2] if status else 0
            addr_word, valid_word = 0, 0
            for s in range(self.segs):
                if not self._cmd_valid[s] and self._cmds[s] and self.rng.random() < self.cmd_valid_p:
                    self._cmd_valid[s] = True
                if self._cmd_valid[s]:
                    valid_word |= 1 << s
                    addr_word |= (self._cmds[s][0] & mask_addr) << (s * self.seg_addr_bits)
                self._resp_ready[s] = self.rng.random() < self.resp_ready_p
            d.dma_ram_rd_cmd_addr.value = addr_word
            d.dma_ram_rd_cmd_valid.value = valid_word
            d.dma_ram_rd_cmd_sel.value = 0
            d.dma_ram_rd_resp_ready.value = sum(1 << s for s in range(self.segs) if self._resp_ready[s])
            await ReadOnly()
            try:
                rst = sig_int(d.rst)
            except AssertionError:
                continue
            if rst:
                self._offered = None
                continue
            # the descriptor port: stable while offered, taken on valid & ready
            valid = sig_int(d.m_axis_dma_write_desc_valid)
            fields = self._desc_fields() if valid else None
            if self._offered is not None:
                if not valid:
                    self.protocol_errors.append(f"cycle {self.cyc.n}: descriptor {self._offered} withdrawn before it was taken")
                elif tuple(fields.values()) != self._offered:
                    self.protocol_errors.append(f"cycle {self.cyc.n}: descriptor changed while offered: {self._offered} -> {fields}")
            self._offered = None
            if valid:
                if self._desc_ready:
                    self._check_desc(fields)
                    self._descs.append(fields)
                else:
                    self._offered = tuple(fields.values())
            # the RAM port: commands taken, responses collected
            cmd_ready = sig_int(d.dma_ram_rd_cmd_ready)
            resp_valid = sig_int(d.dma_ram_rd_resp_valid)
            resp_bits = str(d.dma_ram_rd_resp_data.value) if resp_valid else ""  # MSB first
            for s in range(self.segs):
                if self._cmd_valid[s] and cmd_ready >> s & 1:
                    self._expect[s].append(self._cmds[s].popleft())
                    self._cmd_valid[s] = False
                if self._resp_ready[s] and resp_valid >> s & 1:
                    if not self._expect[s]:
                        self.protocol_errors.append(f"cycle {self.cyc.n}: segment {s} response with no command")
                        continue
                    addr = self._expect[s].popleft()
                    # a segment's word only: the others may still be X (Icarus) while not valid
                    hi = len(resp_bits) - s * self.seg_bits
                    word = resp_bits[hi - self.seg_bits:hi]
                    if any(ch not in "01" for ch in word):
                        self.protocol_errors.append(f"cycle {self.cyc.n}: segment {s} response data {word} (X/Z)")
                    elif self._op is not None:
                        self._op["words"][(s, addr)] = int(word, 2)
            if self._op is not None and len(self._op["words"]) == self._op["need"]:
                self._finish_op()
            if self._op is None and self._descs:
                self._start_op()
