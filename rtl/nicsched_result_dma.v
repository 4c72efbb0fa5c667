// SPDX-License-Identifier: MIT
`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * nicsched result mailbox writer (register layout v3.0)
 *
 * Writes every result of nicsched_app into host memory: slot n's entry (the register model's
 * `mailbox` block: SEQ, ANSWER, LATENCY, CHECK, MAILBOX_ENTRY_BYTES bytes) goes to
 * base + n * MAILBOX_STRIDE through a Corundum-style DMA client interface, the one Corundum's
 * application block offers (mqnic_app_block: m_axis_ctrl_dma_write_desc_*, the write status,
 * and the DMA RAM read port ctrl_dma_ram_rd_*). See docs/HARDWARE.md, "Results into host memory".
 *
 *   result ─► entry register (SEQ, ANSWER, LATENCY) ─► entry RAM[slot] (+ CHECK), queue slot
 *          ─► write descriptor {dma_addr, ram_addr = slot * 16, len = 16, tag = slot}
 *   the DMA engine reads the entry from the RAM read port, writes it to host memory and
 *   returns a status (tag, error).
 *
 * Each slot is queued at most once: a result for a slot already queued only updates its entry,
 * so the queue (SLOTS deep) never overflows and back-pressure on the descriptor port never
 * stalls the datapath; the write that leaves carries the slot's newest entry. With RAM segments
 * of 128 bits or more an entry is one segment word, read in one cycle, so the engine reads the
 * old or the new entry of a slot, never a mix (with 64-bit segments, two reads); host memory may
 * still show a mix while a write lands, which CHECK reveals.
 *
 * ENABLE low: nothing new is queued and the queue is dropped; a descriptor already offered stays
 * offered until taken (AXI stream), and writes in flight complete. `active` is high while
 * anything is queued, offered or in flight (no status yet): host memory may still change.
 * srst (CONTROL.SOFT_RESET) drops the queue like ENABLE low; only rst forgets the descriptor
 * offered and the writes in flight.
 */
module nicsched_result_dma #
(
    parameter SLOTS = 4,
    // DMA client interface (Corundum's dma_if_*: descriptor, status and RAM port)
    parameter DMA_ADDR_WIDTH = 64,
    parameter DMA_LEN_WIDTH = 16,
    parameter DMA_TAG_WIDTH = 8,
    parameter RAM_SEL_WIDTH = 1,
    parameter RAM_ADDR_WIDTH = 16,
    parameter RAM_SEG_COUNT = 2,
    parameter RAM_SEG_DATA_WIDTH = 128,
    parameter RAM_SEG_BE_WIDTH = RAM_SEG_DATA_WIDTH/8,
    parameter RAM_SEG_ADDR_WIDTH = RAM_ADDR_WIDTH-$clog2(RAM_SEG_COUNT*RAM_SEG_BE_WIDTH),
    // leave at the default
    parameter SLOT_BITS = SLOTS > 1 ? $clog2(SLOTS) : 1
)
(
    input  wire                                        clk,
    input  wire                                        rst,
    input  wire                                        srst,

    input  wire                                        enable,
    input  wire [63:0]                                 base,      // mailbox bus address, 4 KiB aligned

    /*
     * Results (at most one per cycle)
     */
    input  wire                                        res_valid,
    input  wire [SLOT_BITS-1:0]                        res_slot,
    input  wire [31:0]                                 res_seq,
    input  wire [31:0]                                 res_answer,
    input  wire [31:0]                                 res_latency,

    /*
     * DMA write descriptor output
     */
    output wire [DMA_ADDR_WIDTH-1:0]                   m_axis_dma_write_desc_dma_addr,
    output wire [RAM_SEL_WIDTH-1:0]                    m_axis_dma_write_desc_ram_sel,
    output wire [RAM_ADDR_WIDTH-1:0]                   m_axis_dma_write_desc_ram_addr,
    output wire [DMA_LEN_WIDTH-1:0]                    m_axis_dma_write_desc_len,
    output wire [DMA_TAG_WIDTH-1:0]                    m_axis_dma_write_desc_tag,
    output wire                                        m_axis_dma_write_desc_valid,
    input  wire                                        m_axis_dma_write_desc_ready,

    /*
     * DMA write descriptor status input
     */
    input  wire [DMA_TAG_WIDTH-1:0]                    s_axis_dma_write_desc_status_tag,
    input  wire [3:0]                                  s_axis_dma_write_desc_status_error,
    input  wire                                        s_axis_dma_write_desc_status_valid,

    /*
     * DMA RAM read port (segmented): the engine reads the entries here
     */
    input  wire [RAM_SEG_COUNT*RAM_SEL_WIDTH-1:0]      dma_ram_rd_cmd_sel,
    input  wire [RAM_SEG_COUNT*RAM_SEG_ADDR_WIDTH-1:0] dma_ram_rd_cmd_addr,
    input  wire [RAM_SEG_COUNT-1:0]                    dma_ram_rd_cmd_valid,
    output wire [RAM_SEG_COUNT-1:0]                    dma_ram_rd_cmd_ready,
    output wire [RAM_SEG_COUNT*RAM_SEG_DATA_WIDTH-1:0] dma_ram_rd_resp_data,
    output wire [RAM_SEG_COUNT-1:0]                    dma_ram_rd_resp_valid,
    input  wire [RAM_SEG_COUNT-1:0]                    dma_ram_rd_resp_ready,

    /*
     * Status and counters (DMA_STATUS, DMA_WRITES, DMA_ERRORS)
     */
    output wire                                        active,
    output wire [31:0]                                 writes,
    output wire [31:0]                                 errors
);

`include "nicsched_regs.vh"

localparam ENTRY_BYTES = 16;
localparam ENTRY_SHIFT = 4;
localparam STRIDE_SHIFT = $clog2(NICSCHED_MAILBOX_STRIDE);
localparam Q_BITS = SLOTS > 1 ? $clog2(SLOTS) : 1;
localparam Q_DEPTH = 1 << Q_BITS;
// 64-bit chunks per RAM segment word
localparam CHUNKS = RAM_SEG_DATA_WIDTH / 64;
localparam CHUNK_BITS = RAM_SEG_ADDR_WIDTH + $clog2(RAM_SEG_COUNT) + (CHUNKS > 1 ? $clog2(CHUNKS) : 0) + 1;
localparam [31:0] SLOTS_32 = SLOTS;
localparam [31:0] SEG_COUNT_32 = RAM_SEG_COUNT;
localparam [31:0] CHUNKS_32 = CHUNKS;
localparam [31:0] ENTRY_BYTES_32 = ENTRY_BYTES;
localparam [CHUNK_BITS-1:0] SLOTS_N = SLOTS_32[CHUNK_BITS-1:0];
localparam [CHUNK_BITS-1:0] SEG_COUNT_N = SEG_COUNT_32[CHUNK_BITS-1:0];
localparam [CHUNK_BITS-1:0] CHUNKS_N = CHUNKS_32[CHUNK_BITS-1:0];
localparam [DMA_LEN_WIDTH-1:0] ENTRY_LEN = ENTRY_BYTES_32[DMA_LEN_WIDTH-1:0];

`ifndef SYNTHESIS // parameter checks for simulators and lint; yosys has no $error task
initial begin
    if (NICSCHED_MAILBOX_STRIDE < ENTRY_BYTES || (1 << STRIDE_SHIFT) != NICSCHED_MAILBOX_STRIDE) begin
        $error("Error: the mailbox stride must be a power of two of at least an entry (instance %m)");
        $finish;
    end
    if (SLOTS * NICSCHED_MAILBOX_STRIDE > 4096) begin
        $error("Error: the mailbox must fit the 4 KiB that DMA_BASE is aligned to (instance %m)");
        $finish;
    end
    if (DMA_ADDR_WIDTH < 13 || DMA_ADDR_WIDTH > 64) begin
        $error("Error: DMA_ADDR_WIDTH must be 13..64 (instance %m)");
        $finish;
    end
    if (DMA_TAG_WIDTH <= SLOT_BITS) begin
        $error("Error: DMA_TAG_WIDTH must be wider than a slot index (instance %m)");
        $finish;
    end
    if (DMA_LEN_WIDTH < 5) begin
        $error("Error: DMA_LEN_WIDTH must hold an entry's length (instance %m)");
        $finish;
    end
    if (RAM_ADDR_WIDTH < SLOT_BITS + ENTRY_SHIFT) begin
        $error("Error: RAM_ADDR_WIDTH must address SLOTS entries of 16 bytes (instance %m)");
        $finish;
    end
    if (RAM_SEG_DATA_WIDTH < 64 || RAM_SEG_DATA_WIDTH % 64 != 0 || RAM_SEG_BE_WIDTH * 8 != RAM_SEG_DATA_WIDTH) begin
        $error("Error: RAM segments must be a multiple of 64 bits with byte enables (instance %m)");
        $finish;
    end
    if (RAM_SEG_COUNT < 1 || (1 << $clog2(RAM_SEG_COUNT)) != RAM_SEG_COUNT) begin
        $error("Error: RAM_SEG_COUNT must be a power of two (instance %m)");
        $finish;
    end
    if (RAM_ADDR_WIDTH != RAM_SEG_ADDR_WIDTH + $clog2(RAM_SEG_COUNT * RAM_SEG_BE_WIDTH)) begin
        $error("Error: RAM_ADDR_WIDTH does not match the RAM segments (instance %m)");
        $finish;
    end
end
`endif

/*
 * Stage 1: the result's words, registered
 */
reg s1_valid_reg;
reg [SLOT_BITS-1:0] s1_slot_reg;
reg [31:0] s1_seq_reg;
reg [31:0] s1_answer_reg;
reg [31:0] s1_latency_reg;

/*
 * Stage 2: the entries (registers, one per slot: the RAM the engine reads) and the queue of
 * slots with an entry to write
 */
reg [SLOTS*ENTRY_BYTES*8-1:0] entry_reg;
reg [SLOTS-1:0] queued_reg;
reg [SLOT_BITS-1:0] q_mem [0:Q_DEPTH-1];
reg [Q_BITS:0] q_wr_ptr_reg;
reg [Q_BITS:0] q_rd_ptr_reg;
wire q_empty = q_wr_ptr_reg == q_rd_ptr_reg;

wire [31:0] s1_check = ~(s1_seq_reg ^ s1_answer_reg ^ s1_latency_reg);
wire s1_push = s1_valid_reg && enable && !srst && !queued_reg[s1_slot_reg];

/*
 * Descriptor: one offered at a time
 */
reg desc_valid_reg;
reg [SLOT_BITS-1:0] desc_slot_reg;
reg [15:0] in_flight_reg;       // descriptors taken, status not yet back
reg [31:0] writes_reg;
reg [31:0] errors_reg;

wire desc_take = desc_valid_reg && m_axis_dma_write_desc_ready;
wire desc_free = !desc_valid_reg || m_axis_dma_write_desc_ready;
wire q_pop = desc_free && !q_empty && enable && !srst;
wire [SLOT_BITS-1:0] q_head = q_mem[q_rd_ptr_reg[Q_BITS-1:0]];

// the mailbox lies in the 4 KiB page at base: the entry's address needs no adder
wire [11:0] desc_offset = {{(12-SLOT_BITS){1'b0}}, desc_slot_reg} << STRIDE_SHIFT;
wire [63:0] desc_addr_64 = {base[63:12], desc_offset};
wire [63:0] desc_addr_unused = desc_addr_64;  // above DMA_ADDR_WIDTH
wire [RAM_ADDR_WIDTH-1:0] desc_ram_addr = {{(RAM_ADDR_WIDTH-SLOT_BITS){1'b0}}, desc_slot_reg} << ENTRY_SHIFT;

assign m_axis_dma_write_desc_dma_addr = desc_addr_64[DMA_ADDR_WIDTH-1:0];
assign m_axis_dma_write_desc_ram_sel = {RAM_SEL_WIDTH{1'b0}};
assign m_axis_dma_write_desc_ram_addr = desc_ram_addr;
assign m_axis_dma_write_desc_len = ENTRY_LEN;
assign m_axis_dma_write_desc_tag = {{(DMA_TAG_WIDTH-SLOT_BITS){1'b0}}, desc_slot_reg};
assign m_axis_dma_write_desc_valid = desc_valid_reg;

assign active = s1_valid_reg || !q_empty || desc_valid_reg || in_flight_reg != 16'd0;
assign writes = writes_reg;
assign errors = errors_reg;

// the tag identifies the slot; the count is what matters here, and the DMA engine keeps the order
wire [DMA_TAG_WIDTH-1:0] status_tag_unused = s_axis_dma_write_desc_status_tag;
wire [RAM_SEG_COUNT*RAM_SEL_WIDTH-1:0] ram_sel_unused = dma_ram_rd_cmd_sel;
wire [63:0] base_unused = base;

integer k;

always @(posedge clk) begin
    s1_valid_reg <= res_valid && enable && !srst;
    if (res_valid) begin
        s1_slot_reg <= res_slot;
        s1_seq_reg <= res_seq;
        s1_answer_reg <= res_answer;
        s1_latency_reg <= res_latency;
    end

    for (k = 0; k < SLOTS; k = k + 1) begin
        if (s1_valid_reg && s1_slot_reg == k[SLOT_BITS-1:0]) begin
            entry_reg[k*ENTRY_BYTES*8 +: ENTRY_BYTES*8] <= {s1_check, s1_latency_reg, s1_answer_reg, s1_seq_reg};
        end
    end
    if (q_pop) begin
        q_rd_ptr_reg <= q_rd_ptr_reg + 1;
        desc_slot_reg <= q_head;
        for (k = 0; k < SLOTS; k = k + 1) begin
            if (q_head == k[SLOT_BITS-1:0]) begin
                queued_reg[k] <= 1'b0;
            end
        end
    end
    if (s1_push) begin
        q_mem[q_wr_ptr_reg[Q_BITS-1:0]] <= s1_slot_reg;
        q_wr_ptr_reg <= q_wr_ptr_reg + 1;
        for (k = 0; k < SLOTS; k = k + 1) begin
            if (s1_slot_reg == k[SLOT_BITS-1:0]) begin
                queued_reg[k] <= 1'b1;
            end
        end
    end
    if (!enable || srst) begin
        q_rd_ptr_reg <= q_wr_ptr_reg;
        queued_reg <= {SLOTS{1'b0}};
        s1_valid_reg <= 1'b0;
    end

    if (desc_free) begin
        desc_valid_reg <= q_pop;
    end
    if (desc_take && !s_axis_dma_write_desc_status_valid) begin
        in_flight_reg <= in_flight_reg + 16'd1;
    end else if (!desc_take && s_axis_dma_write_desc_status_valid) begin
        in_flight_reg <= in_flight_reg - 16'd1;
    end
    if (s_axis_dma_write_desc_status_valid) begin
        writes_reg <= writes_reg + 32'd1;
        if (s_axis_dma_write_desc_status_error != 4'd0) begin
            errors_reg <= errors_reg + 32'd1;
        end
    end
    if (srst) begin
        writes_reg <= 32'd0;
        errors_reg <= 32'd0;
    end

    if (rst) begin
        entry_reg <= {SLOTS*ENTRY_BYTES*8{1'b0}};
        s1_valid_reg <= 1'b0;
        queued_reg <= {SLOTS{1'b0}};
        q_wr_ptr_reg <= {Q_BITS+1{1'b0}};
        q_rd_ptr_reg <= {Q_BITS+1{1'b0}};
        desc_valid_reg <= 1'b0;
        in_flight_reg <= 16'd0;
        writes_reg <= 32'd0;
        errors_reg <= 32'd0;
    end
end

/*
 * RAM read port: one registered stage per segment (a read is accepted while its output is free
 * or being taken). Segment word w of segment s holds the RAM bytes from
 * (w * RAM_SEG_COUNT + s) * RAM_SEG_BE_WIDTH on; entry n holds bytes 16n .. 16n + 15.
 */
reg [RAM_SEG_COUNT-1:0] rd_valid_reg;
reg [RAM_SEG_COUNT*RAM_SEG_DATA_WIDTH-1:0] rd_data_reg;

assign dma_ram_rd_cmd_ready = ~rd_valid_reg | dma_ram_rd_resp_ready;
assign dma_ram_rd_resp_valid = rd_valid_reg;
assign dma_ram_rd_resp_data = rd_data_reg;

// the 64-bit chunk c of segment s's word at address @addr
function [63:0] chunk(input [RAM_SEG_ADDR_WIDTH-1:0] addr, input [CHUNK_BITS-1:0] seg, input [CHUNK_BITS-1:0] c);
    reg [CHUNK_BITS-1:0] g;
    reg [CHUNK_BITS-1:0] n;
    begin
        g = ({{(CHUNK_BITS-RAM_SEG_ADDR_WIDTH){1'b0}}, addr} * SEG_COUNT_N + seg) * CHUNKS_N + c;
        n = g >> 1;
        chunk = 64'd0;
        if (n < SLOTS_N) begin
            chunk = g[0] ? entry_reg[n[SLOT_BITS-1:0]*ENTRY_BYTES*8 + 64 +: 64]
                         : entry_reg[n[SLOT_BITS-1:0]*ENTRY_BYTES*8 +: 64];
        end
    end
endfunction

integer s, c;

always @(posedge clk) begin
    for (s = 0; s < RAM_SEG_COUNT; s = s + 1) begin
        if (dma_ram_rd_resp_ready[s]) begin
            rd_valid_reg[s] <= 1'b0;
        end
        if (dma_ram_rd_cmd_valid[s] && dma_ram_rd_cmd_ready[s]) begin
            rd_valid_reg[s] <= 1'b1;
            for (c = 0; c < CHUNKS; c = c + 1) begin
                rd_data_reg[s*RAM_SEG_DATA_WIDTH + c*64 +: 64] <= chunk(dma_ram_rd_cmd_addr[s*RAM_SEG_ADDR_WIDTH +: RAM_SEG_ADDR_WIDTH],
                    s[CHUNK_BITS-1:0], c[CHUNK_BITS-1:0]);
            end
        end
    end
    if (rst) begin
        rd_valid_reg <= {RAM_SEG_COUNT{1'b0}};
    end
end

endmodule

`resetall
