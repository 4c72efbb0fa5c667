// SPDX-License-Identifier: MIT
`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * nicsched application core
 *
 * AXI-Lite register file (register map v3.0, rtl/nicsched_regs.vh), request
 * slots, a round-robin arbiter in front of the generated nicsched_policy
 * datapath, result write-back (argmax head), counters, a result interrupt,
 * the runtime weight reload (issue 4): the `weights` block at WEIGHTS_BASE
 * writes the policy's shadow weight bank; RELOAD.COMMIT swaps it in between
 * inferences; and results into host memory (layout v3.0): with
 * DMA_CTRL.ENABLE every result is also written into the host's mailbox
 * through a Corundum-style DMA client port (nicsched_result_dma).  See
 * docs/HARDWARE.md for the contract.
 *
 * Reload: COMMIT sets commit_reg.  Doorbells accepted while it is set are
 * held (not issued); slots whose doorbell preceded COMMIT are still issued
 * and finish on the old bank.  Once no non-held slot is busy (nothing pending
 * or in flight for the old bank), the banks swap in one cycle, SHADOW_HASH is
 * copied to POLICY_HASH, RELOADS increments, COMMIT clears and held slots are
 * released.  No inference sees a mix of banks.
 *
 * AXI-Lite: the address and data of a write may arrive in any order or in
 * the same cycle; each is captured in a holding register (the address
 * decoded as it is captured), and the write is performed once both are
 * present and the B channel is free.  Reads capture (and decode) the
 * address, register the addressed slot's row, then the data.  One write and
 * one read may be in progress at the same time; neither channel ever waits
 * on the other.  Address bits [1:0] are ignored (32-bit registers, byte
 * lanes by wstrb).
 *
 * Timing: every register-to-register path is kept within 8 logic levels at
 * 250 MHz (docs/HARDWARE.md, "Timing at 250 MHz"); doorbell to RESULT is the
 * policy's latency plus 4 cycles (grant, select, result, write-back).
 */
module nicsched_app #
(
    // AXI-Lite address width (>= 16); data width is 32
    parameter AXIL_ADDR_WIDTH = 16,
    // request slots (1..64)
    parameter SLOTS = 4,
    // policy input format (N_IN <= 64, IN_BITS <= 32)
    parameter N_IN = 8,
    parameter IN_BITS = 8,
    parameter IN_SIGNED = 0,
    // policy output format (N_OUT <= 32, OUT_BITS <= 32)
    parameter N_OUT = 4,
    parameter OUT_BITS = 8,
    parameter OUT_SIGNED = 1,
    // head: 1 = argmax, 0 = scores
    parameter HEAD_ARGMAX = 1,
    // first 32 bits of the policy hash
    parameter [31:0] POLICY_HASH = 32'h00000000,
    // compiler's predictions, reported in TIMING
    parameter LATENCY = 7,
    parameter II = 1,
    // shadow weight bank (the register model's `weights` block): byte base
    // address, 32-bit words, word address bits of the policy's config port
    parameter [31:0] WEIGHTS_BASE = 32'h00020000,
    parameter WEIGHTS_WORDS = 1,
    parameter CFG_ADDR_BITS = 1,
    // results into host memory: 1 = the DMA port is connected (CAPS.DMA_RESULTS), 0 = it is
    // not (DMA_CTRL reads 0 and ignores writes; the port stays idle)
    parameter DMA_ENABLE = 1,
    // DMA client port (Corundum's application DMA interface, docs/HARDWARE.md)
    parameter DMA_ADDR_WIDTH = 64,
    parameter DMA_LEN_WIDTH = 16,
    parameter DMA_TAG_WIDTH = 8,
    parameter RAM_SEL_WIDTH = 1,
    parameter RAM_ADDR_WIDTH = 16,
    parameter RAM_SEG_COUNT = 2,
    parameter RAM_SEG_DATA_WIDTH = 128,
    parameter RAM_SEG_BE_WIDTH = RAM_SEG_DATA_WIDTH/8,
    parameter RAM_SEG_ADDR_WIDTH = RAM_ADDR_WIDTH-$clog2(RAM_SEG_COUNT*RAM_SEG_BE_WIDTH)
)
(
    input  wire                        clk,
    input  wire                        rst,

    /*
     * AXI-Lite slave
     */
    input  wire [AXIL_ADDR_WIDTH-1:0]  s_axil_awaddr,
    input  wire [2:0]                  s_axil_awprot,
    input  wire                        s_axil_awvalid,
    output wire                        s_axil_awready,
    input  wire [31:0]                 s_axil_wdata,
    input  wire [3:0]                  s_axil_wstrb,
    input  wire                        s_axil_wvalid,
    output wire                        s_axil_wready,
    output wire [1:0]                  s_axil_bresp,
    output wire                        s_axil_bvalid,
    input  wire                        s_axil_bready,
    input  wire [AXIL_ADDR_WIDTH-1:0]  s_axil_araddr,
    input  wire [2:0]                  s_axil_arprot,
    input  wire                        s_axil_arvalid,
    output wire                        s_axil_arready,
    output wire [31:0]                 s_axil_rdata,
    output wire [1:0]                  s_axil_rresp,
    output wire                        s_axil_rvalid,
    input  wire                        s_axil_rready,

    /*
     * Results into host memory: DMA write descriptors, their status, and the DMA RAM read
     * port the engine reads the entries from
     */
    output wire [DMA_ADDR_WIDTH-1:0]                   m_axis_dma_write_desc_dma_addr,
    output wire [RAM_SEL_WIDTH-1:0]                    m_axis_dma_write_desc_ram_sel,
    output wire [RAM_ADDR_WIDTH-1:0]                   m_axis_dma_write_desc_ram_addr,
    output wire [DMA_LEN_WIDTH-1:0]                    m_axis_dma_write_desc_len,
    output wire [DMA_TAG_WIDTH-1:0]                    m_axis_dma_write_desc_tag,
    output wire                                        m_axis_dma_write_desc_valid,
    input  wire                                        m_axis_dma_write_desc_ready,
    input  wire [DMA_TAG_WIDTH-1:0]                    s_axis_dma_write_desc_status_tag,
    input  wire [3:0]                                  s_axis_dma_write_desc_status_error,
    input  wire                                        s_axis_dma_write_desc_status_valid,
    input  wire [RAM_SEG_COUNT*RAM_SEL_WIDTH-1:0]      dma_ram_rd_cmd_sel,
    input  wire [RAM_SEG_COUNT*RAM_SEG_ADDR_WIDTH-1:0] dma_ram_rd_cmd_addr,
    input  wire [RAM_SEG_COUNT-1:0]                    dma_ram_rd_cmd_valid,
    output wire [RAM_SEG_COUNT-1:0]                    dma_ram_rd_cmd_ready,
    output wire [RAM_SEG_COUNT*RAM_SEG_DATA_WIDTH-1:0] dma_ram_rd_resp_data,
    output wire [RAM_SEG_COUNT-1:0]                    dma_ram_rd_resp_valid,
    input  wire [RAM_SEG_COUNT-1:0]                    dma_ram_rd_resp_ready,

    /*
     * Interrupt: one-cycle pulse per result written
     */
    output wire                        irq
);

`include "nicsched_regs.vh"

localparam SLOT_BITS = SLOTS > 1 ? $clog2(SLOTS) : 1;
localparam WORD_BITS = AXIL_ADDR_WIDTH - 2;
localparam TAG_BITS = NICSCHED_TAG_BITS;
localparam ACTION_BITS = 8;
localparam INDEX_BITS = N_OUT > 1 ? $clog2(N_OUT) : 1;


localparam [1:0] RESP_OKAY = 2'b00;
localparam [1:0] RESP_SLVERR = 2'b10;

// constant registers
localparam [31:0] CAPS_VALUE =
    ((N_IN & 32'hff) << NICSCHED_CAPS_INPUTS_SHIFT) |
    ((N_OUT & 32'hff) << NICSCHED_CAPS_OUTPUTS_SHIFT) |
    ((SLOTS & 32'hff) << NICSCHED_CAPS_SLOTS_SHIFT) |
    ((HEAD_ARGMAX != 0 ? 32'd0 : 32'd1) << (NICSCHED_CAPS_FLAGS_SHIFT + NICSCHED_CAPS_FLAG_HEAD_SCORES)) |
    ((DMA_ENABLE != 0 ? 32'd1 : 32'd0) << (NICSCHED_CAPS_FLAGS_SHIFT + NICSCHED_CAPS_FLAG_DMA_RESULTS));
localparam [31:0] TIMING_VALUE =
    ((LATENCY & 32'hffff) << NICSCHED_TIMING_LATENCY_SHIFT) |
    ((II & 32'hffff) << NICSCHED_TIMING_II_SHIFT);
localparam [31:0] FORMAT_VALUE =
    ((IN_BITS & 32'hff) << NICSCHED_FORMAT_IN_BITS_SHIFT) |
    ((IN_SIGNED != 0 ? 32'd1 : 32'd0) << NICSCHED_FORMAT_IN_SIGNED_BIT) |
    ((OUT_BITS & 32'hff) << NICSCHED_FORMAT_OUT_BITS_SHIFT) |
    ((OUT_SIGNED != 0 ? 32'd1 : 32'd0) << NICSCHED_FORMAT_OUT_SIGNED_BIT);

/*
 * Address decode
 */
localparam SLOT_SHIFT = $clog2(NICSCHED_SLOT_STRIDE);
localparam REL_BITS = SLOT_SHIFT + SLOT_BITS;
localparam [31:0] SLOT_END_32 = {16'd0, NICSCHED_SLOT_BASE} + SLOTS*{16'd0, NICSCHED_SLOT_STRIDE};
localparam [31:0] N_IN_32 = N_IN;
localparam [31:0] N_OUT_32 = N_OUT;
// byte address bits that hold SLOT_END (the global and slot blocks): 16 up to
// 59 slots, 17 for 60..64 (64 slots end at 0x11000); anything above is the
// weight bank or unmapped
localparam MAP_BITS = $clog2(SLOT_END_32 + 1) > 16 ? $clog2(SLOT_END_32 + 1) : 16;
localparam [31:0] SLOT_BASE_32 = {16'd0, NICSCHED_SLOT_BASE};
localparam [MAP_BITS-1:0] SLOT_BASE = SLOT_BASE_32[MAP_BITS-1:0];
localparam [MAP_BITS-1:0] SLOT_END = SLOT_END_32[MAP_BITS-1:0];
localparam [REL_BITS-1:0] SLOT_BASE_REL = NICSCHED_SLOT_BASE[REL_BITS-1:0];
localparam [SLOT_SHIFT-1:0] OFF_DOORBELL = NICSCHED_SLOT_DOORBELL[SLOT_SHIFT-1:0];
localparam [SLOT_SHIFT-1:0] OFF_RESULT = NICSCHED_SLOT_RESULT[SLOT_SHIFT-1:0];
localparam [SLOT_SHIFT-1:0] OFF_SCORE0 = NICSCHED_SLOT_SCORE0[SLOT_SHIFT-1:0];
localparam [SLOT_SHIFT-1:0] OFF_FEATURE0 = NICSCHED_SLOT_FEATURE0[SLOT_SHIFT-1:0];
localparam [SLOT_SHIFT-1:0] SCORE_COUNT = N_OUT_32[SLOT_SHIFT-1:0];
localparam [SLOT_SHIFT-1:0] FEATURE_COUNT = N_IN_32[SLOT_SHIFT-1:0];
localparam [SLOT_SHIFT-1:0] OFF_PACKED0 = NICSCHED_SLOT_FEATURES_PACKED0[SLOT_SHIFT-1:0];
// FEATURES_PACKED: as many whole inputs per word as fit 32 bits
localparam FPW = 32 / IN_BITS;
localparam [31:0] PACKED_COUNT_32 = (N_IN + FPW - 1) / FPW;
localparam [SLOT_SHIFT-1:0] PACKED_COUNT = PACKED_COUNT_32[SLOT_SHIFT-1:0];
// weight bank, in 32-bit words
localparam [31:0] WEIGHTS_WORD_BASE = WEIGHTS_BASE >> 2;
localparam [31:0] WEIGHTS_WORD_END = (WEIGHTS_BASE >> 2) + WEIGHTS_WORDS;

/*
 * Parameter checks
 */
`ifndef SYNTHESIS // parameter checks for simulators and lint; yosys has no $error task
initial begin
    if (AXIL_ADDR_WIDTH < 16 || AXIL_ADDR_WIDTH > 32) begin
        $error("Error: AXIL_ADDR_WIDTH must be 16..32 (instance %m)");
        $finish;
    end
    if (AXIL_ADDR_WIDTH < 32 && {32'd0, WEIGHTS_BASE} + 4*WEIGHTS_WORDS > (64'd1 << AXIL_ADDR_WIDTH)) begin
        $error("Error: AXIL_ADDR_WIDTH too small to reach the weight bank (instance %m)");
        $finish;
    end
    if (SLOT_END_32 > WEIGHTS_BASE || WEIGHTS_BASE < (32'd1 << MAP_BITS)) begin
        $error("Error: weight bank must start at or above 2^MAP_BITS, after the slot block (instance %m)");
        $finish;
    end
    if (AXIL_ADDR_WIDTH < 32 && {32'd0, SLOT_END_32} > (64'd1 << AXIL_ADDR_WIDTH)) begin
        $error("Error: AXIL_ADDR_WIDTH too small to reach the last slot (instance %m)");
        $finish;
    end
    if ((1 << CFG_ADDR_BITS) < WEIGHTS_WORDS) begin
        $error("Error: CFG_ADDR_BITS too small for WEIGHTS_WORDS (instance %m)");
        $finish;
    end
    if (SLOTS < 1 || SLOTS > NICSCHED_MAX_SLOTS) begin
        $error("Error: SLOTS out of range (instance %m)");
        $finish;
    end
    if (N_IN < 1 || N_IN > NICSCHED_MAX_INPUTS || IN_BITS < 1 || IN_BITS > 32) begin
        $error("Error: N_IN or IN_BITS out of range (instance %m)");
        $finish;
    end
    if (N_OUT < 1 || N_OUT > NICSCHED_MAX_OUTPUTS || OUT_BITS < 1 || OUT_BITS > 32) begin
        $error("Error: N_OUT or OUT_BITS out of range (instance %m)");
        $finish;
    end
end
`endif


localparam [2:0]
    FIELD_BAD = 3'd0,
    FIELD_GLOBAL = 3'd1,
    FIELD_DOORBELL = 3'd2,
    FIELD_RESULT = 3'd3,
    FIELD_SCORE = 3'd4,
    FIELD_FEATURE = 3'd5,
    FIELD_PACKED = 3'd6,
    FIELD_WEIGHT = 3'd7;

localparam DEC_BITS = 3 + SLOT_BITS + SLOT_SHIFT + 16;

// word address -> {field, slot, index (SCORE k / FEATURE i), global register
// byte address [15:0]}.  The global and slot blocks are decoded on MAP_BITS
// byte address bits (nonzero bits above them never alias into the blocks),
// the weight bank (above 2^MAP_BITS) on the whole 32-bit word address.
function [DEC_BITS-1:0] decode(input [WORD_BITS-1:0] word);
    reg [MAP_BITS-1:0] a;
    reg [REL_BITS-1:0] rel;
    reg [SLOT_SHIFT-1:0] off;
    reg [SLOT_SHIFT-1:0] score_index;
    reg [SLOT_SHIFT-1:0] feature_index;
    reg [SLOT_SHIFT-1:0] packed_index;
    reg [SLOT_SHIFT-1:0] index;
    reg [2:0] field;
    reg [31:0] word32;
    begin
        word32 = 32'd0;
        word32[WORD_BITS-1:0] = word;
        a = {word32[MAP_BITS-3:0], 2'b00};
        rel = a[REL_BITS-1:0] - SLOT_BASE_REL;
        off = rel[SLOT_SHIFT-1:0];
        score_index = (off - OFF_SCORE0) >> 2;
        feature_index = (off - OFF_FEATURE0) >> 2;
        packed_index = (off - OFF_PACKED0) >> 2;
        index = {SLOT_SHIFT{1'b0}};
        field = FIELD_BAD;
        if ((word32 >> (MAP_BITS-2)) != 0) begin
            if (word32 >= WEIGHTS_WORD_BASE && word32 < WEIGHTS_WORD_END) begin
                field = FIELD_WEIGHT;
            end
        end else if (a < SLOT_BASE) begin
            field = FIELD_GLOBAL;
        end else if (a < SLOT_END) begin
            if (off == OFF_DOORBELL) begin
                field = FIELD_DOORBELL;
            end else if (off == OFF_RESULT) begin
                field = FIELD_RESULT;
            end else if (off >= OFF_SCORE0 && score_index < SCORE_COUNT) begin
                field = FIELD_SCORE;
                index = score_index;
            end else if (off >= OFF_FEATURE0 && feature_index < FEATURE_COUNT) begin
                field = FIELD_FEATURE;
                index = feature_index;
            end else if (off >= OFF_PACKED0 && packed_index < PACKED_COUNT) begin
                field = FIELD_PACKED;
                index = packed_index;
            end
        end
        decode = {field, rel[SLOT_SHIFT +: SLOT_BITS], index, a[15:0]};
    end
endfunction

/*
 * AXI-Lite channel state.  An address is decoded when it is captured (from
 * the port), so the write and read stages start from registered fields.
 */
reg aw_full_reg;
reg [2:0] aw_field_reg;
reg [SLOTS-1:0] aw_slot_hot_reg;        // the addressed slot, one-hot (a slot-block field only)
reg [N_IN-1:0] aw_index_hot_reg;       // the addressed FEATURE / FEATURES_PACKED index, one-hot
reg [15:0] aw_addr_reg;
reg [CFG_ADDR_BITS-1:0] aw_cfg_addr_reg;  // word offset in the weights block
reg w_full_reg;
reg [31:0] w_data_reg;
reg [3:0] w_strb_reg;
reg bvalid_reg;
reg [1:0] bresp_reg;

reg ar_full_reg;
reg [2:0] ar_field_reg;
reg [SLOT_BITS-1:0] ar_slot_reg;
reg [SLOT_SHIFT-1:0] ar_index_reg;
reg [15:0] ar_addr_reg;
reg rvalid_reg;
reg [31:0] rdata_reg;
reg [1:0] rresp_reg;

// AXI-Lite fields this slave does not use
wire [9:0] axil_unused = {s_axil_awprot, s_axil_arprot, s_axil_awaddr[1:0], s_axil_araddr[1:0]};

assign s_axil_awready = !aw_full_reg;
assign s_axil_wready = !w_full_reg;
assign s_axil_bvalid = bvalid_reg;
assign s_axil_bresp = bresp_reg;
assign s_axil_arready = !ar_full_reg;
assign s_axil_rvalid = rvalid_reg;
assign s_axil_rdata = rdata_reg;
assign s_axil_rresp = rresp_reg;

wire [2:0] aw_dec_field;
wire [SLOT_BITS-1:0] aw_dec_slot;
wire [SLOT_SHIFT-1:0] aw_dec_index;
wire [15:0] aw_dec_addr;
wire [31:0] aw_word32 = {{(32-WORD_BITS){1'b0}}, s_axil_awaddr[AXIL_ADDR_WIDTH-1:2]};
wire [31:0] aw_cfg_word32 = aw_word32 - WEIGHTS_WORD_BASE;
wire [31:0] aw_cfg_word32_unused = aw_cfg_word32;

assign {aw_dec_field, aw_dec_slot, aw_dec_index, aw_dec_addr} = decode(s_axil_awaddr[AXIL_ADDR_WIDTH-1:2]);

wire [2:0] ar_dec_field;
wire [SLOT_BITS-1:0] ar_dec_slot;
wire [SLOT_SHIFT-1:0] ar_dec_index;
wire [15:0] ar_dec_addr;

assign {ar_dec_field, ar_dec_slot, ar_dec_index, ar_dec_addr} = decode(s_axil_araddr[AXIL_ADDR_WIDTH-1:2]);

// a write is performed this cycle; a read moves from the address holding
// register into the first read stage this cycle
wire wr_en = aw_full_reg && w_full_reg && (!bvalid_reg || s_axil_bready);
reg rd1_valid_reg;
wire rd2_en = rd1_valid_reg && (!rvalid_reg || s_axil_rready);
wire rd1_en = ar_full_reg && (!rd1_valid_reg || rd2_en);

/*
 * Register state
 */
reg enable_reg;
reg soft_rst_reg;
reg [NICSCHED_ERROR_BITS-1:0] error_reg;
reg [1:0] error_count_reg;          // events of the previous cycle, added to ERRORS now
reg [31:0] inferences_reg;
reg [31:0] lat_last_reg;
reg lat_new_reg;                    // lat_last_reg was written at the last edge: update LAT_MAX
reg [31:0] lat_max_reg;
reg [31:0] errors_reg;
reg [31:0] now_reg;
reg irq_reg;

// results into host memory
reg dma_enable_reg;
reg [31:0] dma_base_lo_reg;         // bits [11:0] stay 0: the mailbox's 4 KiB page
reg [31:0] dma_base_hi_reg;
wire dma_active;
wire [31:0] dma_writes;
wire [31:0] dma_errors;

// reload
reg [31:0] policy_hash_reg;
reg [31:0] shadow_hash_reg;
reg [31:0] reloads_reg;
reg commit_reg;

// slots
reg [SLOTS-1:0] slot_busy_reg;      // doorbell accepted, result not yet written
reg [SLOTS-1:0] slot_pending_reg;   // doorbell accepted, not yet offered to the arbiter
reg [SLOTS-1:0] slot_valid_reg;
reg [SLOTS-1:0] slot_hold_reg;      // doorbell accepted while COMMIT pending: issued after the swap
reg [SLOTS*TAG_BITS-1:0] slot_req_tag_reg;
reg [SLOTS*TAG_BITS-1:0] slot_res_tag_reg;
reg [SLOTS*ACTION_BITS-1:0] slot_action_reg;
reg [SLOTS*32-1:0] slot_stamp_reg;
reg [SLOTS*N_IN*IN_BITS-1:0] feature_reg;
reg [SLOTS*N_OUT*OUT_BITS-1:0] score_reg;

// internal reset: power-on reset or CONTROL.SOFT_RESET (one cycle after the write)
wire srst = rst || soft_rst_reg;

/*
 * Arbiter and issue.  Slots are arbitrated in groups of ARB_GROUP:
 *
 *   offer:  each group holds at most one offer, a slot ready to issue: when
 *           its offer is taken (or it has none) it offers a ready pending
 *           slot, round robin within the group (the first at or above the
 *           slot after its last offer, else the first), or else a slot whose
 *           doorbell is performed in that cycle (straight away, so an idle
 *           card adds no cycle for it)
 *   grant:  one offer per cycle is taken, round robin over the groups (the
 *           first group with an offer at or above the pointer, else the first
 *           group with an offer; the pointer moves past the granted group),
 *           and registered one-hot (arb_*)
 *   select: the granted slot's features are registered (in_*), so the
 *           multipliers of the first layer see registers on both sides
 *
 * Every decision looks at one group or at one bit per group, so no logic cone
 * spans all slots.  The grant and select stages hold while the next one
 * cannot take their contents (REUSE > 1: the policy accepts an input every
 * REUSE cycles).
 */
wire policy_in_ready;
wire policy_out_valid;
wire [SLOT_BITS-1:0] policy_out_meta;
wire [N_OUT*OUT_BITS-1:0] policy_out_scores;

localparam ARB_GROUP = 6;
localparam ARB_GROUPS = (SLOTS + ARB_GROUP - 1) / ARB_GROUP;

reg [ARB_GROUPS-1:0] offer_valid_reg;
reg [SLOTS-1:0] offer_hot_reg;      // bit n: slot n is its group's offer
// round-robin pointer over the groups as a mask: bit g is set when group g is at or above it
reg [ARB_GROUPS-1:0] group_mask_reg;
// round-robin pointer inside each group: bit n is set when slot n is at or above its group's
// pointer, the slot after the group's offer (one cycle after the offer is made)
reg [SLOTS-1:0] local_mask_reg;
reg arb_valid_reg;
reg [SLOTS-1:0] arb_hot_reg;        // the granted slot, one-hot
reg in_valid_reg;
reg [SLOT_BITS-1:0] in_slot_reg;
reg [N_IN*IN_BITS-1:0] in_features_reg;

wire [SLOTS-1:0] slot_ready = slot_pending_reg & ~slot_hold_reg;

// a weights-block word is written this cycle (write decode below)
reg wr_weight;
// a doorbell is performed this cycle (write decode below)
reg wr_doorbell;

// swap the weight banks: COMMIT pending and nothing of the old bank pending or in flight
wire swap = commit_reg && (slot_busy_reg & ~slot_hold_reg) == {SLOTS{1'b0}};

wire in_load = !in_valid_reg || policy_in_ready;
wire arb_load = !arb_valid_reg || in_load;

// grant
reg [ARB_GROUPS-1:0] group_hi;
reg [ARB_GROUPS-1:0] group_grant;   // one-hot
reg [ARB_GROUPS-1:0] group_mask_next;
reg [SLOTS-1:0] grant_hot;
integer ag, an;

always @* begin
    group_hi = offer_valid_reg & group_mask_reg;
    for (ag = 0; ag < ARB_GROUPS; ag = ag + 1) begin
        if (group_hi != {ARB_GROUPS{1'b0}}) begin
            group_grant[ag] = group_hi[ag] && (group_hi & ~({ARB_GROUPS{1'b1}} << ag)) == {ARB_GROUPS{1'b0}};
        end else begin
            group_grant[ag] = offer_valid_reg[ag] && (offer_valid_reg & ~({ARB_GROUPS{1'b1}} << ag)) == {ARB_GROUPS{1'b0}};
        end
    end
    // the groups after the granted one (none after the last: the same as a pointer at group 0)
    for (ag = 0; ag < ARB_GROUPS; ag = ag + 1) begin
        group_mask_next[ag] = (group_grant & ~({ARB_GROUPS{1'b1}} << ag)) != {ARB_GROUPS{1'b0}};
    end
    for (an = 0; an < SLOTS; an = an + 1) begin
        grant_hot[an] = group_grant[an / ARB_GROUP] && offer_hot_reg[an];
    end
end

wire grant_valid = offer_valid_reg != {ARB_GROUPS{1'b0}};
wire issue = arb_load && grant_valid;

// offers: a group whose offer is free this cycle (none, or taken now) takes a
// ready slot (round robin in the group), else a doorbell performed now (unless
// COMMIT holds it)
reg [ARB_GROUPS-1:0] group_free;
reg [ARB_GROUPS-1:0] group_ready;
reg [ARB_GROUPS-1:0] group_ready_hi; // a ready slot at or above the group's pointer
reg [ARB_GROUPS-1:0] group_doorbell;
reg [SLOTS-1:0] first_hi;           // the first ready slot at or above its group's pointer
reg [SLOTS-1:0] first_lo;           // the first ready slot of its group
reg [SLOTS-1:0] ready_first;        // the ready slot its group offers next
reg [SLOTS-1:0] offer_refill;       // a ready slot becomes its group's offer
reg [SLOTS-1:0] offer_direct;       // a doorbell's slot becomes its group's offer at once
reg [SLOTS-1:0] doorbell_hot;
reg [SLOTS-1:0] local_mask_next;    // the slots after each group's offer
reg [ARB_GROUPS-1:0] group_offer_seen;

always @* begin
    for (an = 0; an < SLOTS; an = an + 1) begin
        doorbell_hot[an] = wr_doorbell && aw_slot_hot_reg[an] && !commit_reg;
    end
    group_ready = {ARB_GROUPS{1'b0}};
    group_ready_hi = {ARB_GROUPS{1'b0}};
    group_doorbell = {ARB_GROUPS{1'b0}};
    group_offer_seen = {ARB_GROUPS{1'b0}};
    for (an = 0; an < SLOTS; an = an + 1) begin
        // no ready slot (at or above the pointer) before it in the same group
        first_hi[an] = slot_ready[an] && local_mask_reg[an] && !group_ready_hi[an / ARB_GROUP];
        first_lo[an] = slot_ready[an] && !group_ready[an / ARB_GROUP];
        group_ready_hi[an / ARB_GROUP] = group_ready_hi[an / ARB_GROUP] || (slot_ready[an] && local_mask_reg[an]);
        group_ready[an / ARB_GROUP] = group_ready[an / ARB_GROUP] || slot_ready[an];
        group_doorbell[an / ARB_GROUP] = group_doorbell[an / ARB_GROUP] || doorbell_hot[an];
        // the slots after the group's offer (none after the last slot: the same as slot 0)
        local_mask_next[an] = group_offer_seen[an / ARB_GROUP];
        group_offer_seen[an / ARB_GROUP] = group_offer_seen[an / ARB_GROUP] || offer_hot_reg[an];
    end
    for (an = 0; an < SLOTS; an = an + 1) begin
        ready_first[an] = group_ready_hi[an / ARB_GROUP] ? first_hi[an] : first_lo[an];
    end
    for (ag = 0; ag < ARB_GROUPS; ag = ag + 1) begin
        group_free[ag] = !offer_valid_reg[ag] || (issue && group_grant[ag]);
    end
    for (an = 0; an < SLOTS; an = an + 1) begin
        offer_refill[an] = group_free[an / ARB_GROUP] && ready_first[an];
        offer_direct[an] = group_free[an / ARB_GROUP] && !group_ready[an / ARB_GROUP] && doorbell_hot[an];
    end
end

// the binary index of the slot in the grant stage, and its features
reg [SLOT_BITS-1:0] arb_slot;
reg [N_IN*IN_BITS-1:0] arb_features;
integer ab;

always @* begin
    arb_slot = {SLOT_BITS{1'b0}};
    arb_features = {N_IN*IN_BITS{1'b0}};
    for (an = 0; an < SLOTS; an = an + 1) begin
        for (ab = 0; ab < SLOT_BITS; ab = ab + 1) begin
            if (((an >> ab) & 1) != 0) begin
                arb_slot[ab] = arb_slot[ab] | arb_hot_reg[an];
            end
        end
        arb_features = arb_features | (feature_reg[an*N_IN*IN_BITS +: N_IN*IN_BITS] & {N_IN*IN_BITS{arb_hot_reg[an]}});
    end
end

nicsched_policy #(
    .META_BITS(SLOT_BITS)
)
policy_inst (
    .clk(clk),
    .rst(srst),
    .in_valid(in_valid_reg),
    .in_ready(policy_in_ready),
    .in_meta(in_slot_reg),
    .in_features(in_features_reg),
    .out_valid(policy_out_valid),
    .out_meta(policy_out_meta),
    .out_scores(policy_out_scores),
    .cfg_rst(rst),
    .cfg_wr_en(wr_weight),
    .cfg_wr_addr(aw_cfg_addr_reg),
    .cfg_wr_data(w_data_reg),
    .cfg_swap(swap)
);

// result: action from the scores
wire [ACTION_BITS-1:0] result_action;

generate

if (HEAD_ARGMAX != 0) begin : head_argmax

    wire [INDEX_BITS-1:0] argmax_index;
    wire [OUT_BITS-1:0] argmax_value_unused;
    reg [ACTION_BITS-1:0] action;

    nicsched_argmax #(
        .N(N_OUT),
        .BITS(OUT_BITS),
        .SIGNED(OUT_SIGNED)
    )
    argmax_inst (
        .in_data(policy_out_scores),
        .out_index(argmax_index),
        .out_value(argmax_value_unused)
    );

    always @* begin
        action = {ACTION_BITS{1'b0}};
        action[INDEX_BITS-1:0] = argmax_index;
    end

    assign result_action = action;

end else begin : head_scores

    assign result_action = {ACTION_BITS{1'b0}};

end

endgenerate

/*
 * Result stage: the policy's output, its action and the slot's doorbell time
 * are registered (res_*); the next edge writes them into the slot, which is
 * when RESULT.VALID rises.
 */
reg res_valid_reg;
reg [SLOT_BITS-1:0] res_slot_reg;
reg [ACTION_BITS-1:0] res_action_reg;
reg [N_OUT*OUT_BITS-1:0] res_scores_reg;
reg [31:0] res_stamp_reg;

/*
 * Write decode (register file side of a write performed this cycle)
 */
reg [31:0] wr_mask;
wire [31:0] wr_mask_unused = wr_mask;  // lanes 2-3 only matter for wide or packed inputs
reg wr_bad;
reg wr_control;
reg [NICSCHED_ERROR_BITS-1:0] wr_error_clear;
reg wr_feature;
reg wr_packed;
reg wr_commit;
reg wr_shadow_hash;
reg wr_dma_ctrl;
reg wr_dma_base_lo;
reg wr_dma_base_hi;
reg [NICSCHED_ERROR_BITS-1:0] wr_event;
// the addressed slot is busy (one-hot select: an AND-OR tree, no binary decode)
wire wr_slot_busy = |(slot_busy_reg & aw_slot_hot_reg);

always @* begin
    wr_mask = {{8{w_strb_reg[3]}}, {8{w_strb_reg[2]}}, {8{w_strb_reg[1]}}, {8{w_strb_reg[0]}}};

    wr_bad = 1'b0;
    wr_control = 1'b0;
    wr_error_clear = {NICSCHED_ERROR_BITS{1'b0}};
    wr_doorbell = 1'b0;
    wr_feature = 1'b0;
    wr_packed = 1'b0;
    wr_commit = 1'b0;
    wr_shadow_hash = 1'b0;
    wr_dma_ctrl = 1'b0;
    wr_dma_base_lo = 1'b0;
    wr_dma_base_hi = 1'b0;
    wr_weight = 1'b0;
    wr_event = {NICSCHED_ERROR_BITS{1'b0}};

    case (aw_field_reg)
        FIELD_GLOBAL: begin
            case (aw_addr_reg)
                NICSCHED_REG_ID,
                NICSCHED_REG_VERSION,
                NICSCHED_REG_POLICY_HASH,
                NICSCHED_REG_CAPS,
                NICSCHED_REG_STATUS,
                NICSCHED_REG_TIMING,
                NICSCHED_REG_INFERENCES,
                NICSCHED_REG_LAT_LAST,
                NICSCHED_REG_LAT_MAX,
                NICSCHED_REG_ERRORS,
                NICSCHED_REG_FORMAT,
                NICSCHED_REG_RELOADS,
                NICSCHED_REG_DMA_STATUS,
                NICSCHED_REG_DMA_WRITES,
                NICSCHED_REG_DMA_ERRORS: begin
                    // RO: ignored
                end
                NICSCHED_REG_DMA_CTRL: begin
                    // ENABLE is in byte lane 0; without the DMA port it stays 0
                    wr_dma_ctrl = w_strb_reg[0] && DMA_ENABLE != 0;
                end
                NICSCHED_REG_DMA_BASE_LO: begin
                    wr_dma_base_lo = 1'b1;
                end
                NICSCHED_REG_DMA_BASE_HI: begin
                    wr_dma_base_hi = 1'b1;
                end
                NICSCHED_REG_RELOAD: begin
                    // W1S: COMMIT is in byte lane 0
                    wr_commit = w_strb_reg[0] && w_data_reg[NICSCHED_RELOAD_COMMIT_BIT];
                end
                NICSCHED_REG_SHADOW_HASH: begin
                    wr_shadow_hash = 1'b1;
                end
                NICSCHED_REG_CONTROL: begin
                    // ENABLE and SOFT_RESET are in byte lane 0
                    wr_control = w_strb_reg[0];
                end
                NICSCHED_REG_ERROR: begin
                    wr_error_clear = w_data_reg[NICSCHED_ERROR_BITS-1:0] & wr_mask[NICSCHED_ERROR_BITS-1:0];
                end
                default: begin
                    wr_bad = 1'b1;
                end
            endcase
        end
        FIELD_DOORBELL: begin
            if (w_strb_reg != 0) begin
                if (!enable_reg) begin
                    wr_event[NICSCHED_ERROR_DOORBELL_DISABLED_BIT] = 1'b1;
                end else if (wr_slot_busy) begin
                    wr_event[NICSCHED_ERROR_DOORBELL_BUSY_BIT] = 1'b1;
                end else begin
                    wr_doorbell = 1'b1;
                end
            end
        end
        FIELD_RESULT, FIELD_SCORE: begin
            // RO: ignored
        end
        FIELD_FEATURE: begin
            if (w_strb_reg != 0) begin
                if (wr_slot_busy) begin
                    wr_event[NICSCHED_ERROR_FEATURE_BUSY_BIT] = 1'b1;
                end else begin
                    wr_feature = 1'b1;
                end
            end
        end
        FIELD_PACKED: begin
            if (w_strb_reg != 0) begin
                if (wr_slot_busy) begin
                    wr_event[NICSCHED_ERROR_FEATURE_BUSY_BIT] = 1'b1;
                end else begin
                    wr_packed = 1'b1;
                end
            end
        end
        FIELD_WEIGHT: begin
            // WO, whole words (a write with no strobes is ignored)
            wr_weight = w_strb_reg != 0;
        end
        default: begin
            wr_bad = 1'b1;
        end
    endcase

    wr_event[NICSCHED_ERROR_BAD_ADDRESS_BIT] = wr_bad;

    if (!wr_en) begin
        wr_control = 1'b0;
        wr_error_clear = {NICSCHED_ERROR_BITS{1'b0}};
        wr_doorbell = 1'b0;
        wr_feature = 1'b0;
        wr_packed = 1'b0;
        wr_commit = 1'b0;
        wr_shadow_hash = 1'b0;
        wr_dma_ctrl = 1'b0;
        wr_dma_base_lo = 1'b0;
        wr_dma_base_hi = 1'b0;
        wr_weight = 1'b0;
        wr_event = {NICSCHED_ERROR_BITS{1'b0}};
    end
end

/*
 * Read: two stages after the address is captured.
 *
 *   rd1: the addressed slot's row (result, scores, features) and the
 *        addressed global register are registered
 *   rd2: the element (SCORE k, FEATURE i, FEATURES_PACKED i) and the field
 *        are selected into R
 */
reg [2:0] rd1_field_reg;
reg [SLOT_SHIFT-1:0] rd1_index_reg;
reg rd1_bad_reg;
reg [31:0] rd1_global_reg;
reg [31:0] rd1_result_reg;
reg [N_OUT*OUT_BITS-1:0] rd1_scores_reg;
reg [N_IN*IN_BITS-1:0] rd1_features_reg;

reg [31:0] rd_global;
reg rd_global_bad;
reg [31:0] rd_result;

always @* begin
    rd_global = 32'd0;
    rd_global_bad = 1'b0;
    case (ar_addr_reg)
        NICSCHED_REG_ID: rd_global = NICSCHED_ID_VALUE;
        NICSCHED_REG_VERSION: rd_global = NICSCHED_VERSION_VALUE;
        NICSCHED_REG_POLICY_HASH: rd_global = policy_hash_reg;
        NICSCHED_REG_CAPS: rd_global = CAPS_VALUE;
        NICSCHED_REG_CONTROL: rd_global[NICSCHED_CONTROL_ENABLE_BIT] = enable_reg;
        NICSCHED_REG_STATUS: begin
            rd_global[NICSCHED_STATUS_ENABLED_BIT] = enable_reg;
            rd_global[NICSCHED_STATUS_BUSY_BIT] = |slot_busy_reg;
        end
        NICSCHED_REG_ERROR: rd_global[NICSCHED_ERROR_BITS-1:0] = error_reg;
        NICSCHED_REG_TIMING: rd_global = TIMING_VALUE;
        NICSCHED_REG_INFERENCES: rd_global = inferences_reg;
        NICSCHED_REG_LAT_LAST: rd_global = lat_last_reg;
        NICSCHED_REG_LAT_MAX: rd_global = lat_max_reg;
        NICSCHED_REG_ERRORS: rd_global = errors_reg;
        NICSCHED_REG_FORMAT: rd_global = FORMAT_VALUE;
        NICSCHED_REG_RELOAD: rd_global[NICSCHED_RELOAD_COMMIT_BIT] = commit_reg;
        NICSCHED_REG_SHADOW_HASH: rd_global = shadow_hash_reg;
        NICSCHED_REG_RELOADS: rd_global = reloads_reg;
        NICSCHED_REG_DMA_CTRL: rd_global[NICSCHED_DMA_CTRL_ENABLE_BIT] = dma_enable_reg;
        NICSCHED_REG_DMA_STATUS: rd_global[NICSCHED_DMA_STATUS_ACTIVE_BIT] = dma_active;
        NICSCHED_REG_DMA_BASE_LO: rd_global = dma_base_lo_reg;
        NICSCHED_REG_DMA_BASE_HI: rd_global = dma_base_hi_reg;
        NICSCHED_REG_DMA_WRITES: rd_global = dma_writes;
        NICSCHED_REG_DMA_ERRORS: rd_global = dma_errors;
        default: rd_global_bad = 1'b1;
    endcase

    rd_result = 32'd0;
    rd_result[NICSCHED_RESULT_VALID_BIT] = slot_valid_reg[ar_slot_reg];
    rd_result[NICSCHED_RESULT_BUSY_BIT] = slot_busy_reg[ar_slot_reg];
    rd_result[NICSCHED_RESULT_TAG_SHIFT +: TAG_BITS] = slot_res_tag_reg[ar_slot_reg*TAG_BITS +: TAG_BITS];
    rd_result[NICSCHED_RESULT_ACTION_SHIFT +: ACTION_BITS] = slot_action_reg[ar_slot_reg*ACTION_BITS +: ACTION_BITS];
end

wire rd1_bad = ar_field_reg == FIELD_BAD || (ar_field_reg == FIELD_GLOBAL && rd_global_bad);

reg [31:0] rd_data;
reg [31:0] rd_feature;
reg [31:0] rd_score;
reg [31:0] rd_packed;
integer pm;

always @* begin
    rd_feature = {32{IN_SIGNED != 0 ? rd1_features_reg[rd1_index_reg*IN_BITS + IN_BITS-1] : 1'b0}};
    rd_feature[IN_BITS-1:0] = rd1_features_reg[rd1_index_reg*IN_BITS +: IN_BITS];
    rd_score = {32{OUT_SIGNED != 0 ? rd1_scores_reg[rd1_index_reg*OUT_BITS + OUT_BITS-1] : 1'b0}};
    rd_score[OUT_BITS-1:0] = rd1_scores_reg[rd1_index_reg*OUT_BITS +: OUT_BITS];

    rd_packed = 32'd0;
    for (pm = 0; pm < FPW; pm = pm + 1) begin
        if ({22'd0, rd1_index_reg}*FPW + pm < N_IN) begin
            rd_packed[pm*IN_BITS +: IN_BITS] = rd1_features_reg[(rd1_index_reg*FPW + pm)*IN_BITS +: IN_BITS];
        end
    end

    case (rd1_field_reg)
        FIELD_GLOBAL: rd_data = rd1_global_reg;
        FIELD_RESULT: rd_data = rd1_result_reg;
        FIELD_SCORE: rd_data = rd_score;
        FIELD_FEATURE: rd_data = rd_feature;
        FIELD_PACKED: rd_data = rd_packed;
        default: rd_data = 32'd0;  // DOORBELL, weights (WO) and unmapped read 0
    endcase

    if (rd1_bad_reg) begin
        rd_data = 32'd0;
    end
end

wire rd_event = rd1_en && rd1_bad;

/*
 * AXI-Lite channels
 */
integer hs;

always @(posedge clk) begin
    if (s_axil_awvalid && !aw_full_reg) begin
        aw_full_reg <= 1'b1;
        aw_field_reg <= aw_dec_field;
        for (hs = 0; hs < SLOTS; hs = hs + 1) begin
            aw_slot_hot_reg[hs] <= aw_dec_slot == hs[SLOT_BITS-1:0];
        end
        for (hs = 0; hs < N_IN; hs = hs + 1) begin
            aw_index_hot_reg[hs] <= aw_dec_index == hs[SLOT_SHIFT-1:0];
        end
        aw_addr_reg <= aw_dec_addr;
        aw_cfg_addr_reg <= aw_cfg_word32[CFG_ADDR_BITS-1:0];
    end
    if (s_axil_wvalid && !w_full_reg) begin
        w_full_reg <= 1'b1;
        w_data_reg <= s_axil_wdata;
        w_strb_reg <= s_axil_wstrb;
    end
    if (s_axil_bready) begin
        bvalid_reg <= 1'b0;
    end
    if (wr_en) begin
        aw_full_reg <= 1'b0;
        w_full_reg <= 1'b0;
        bvalid_reg <= 1'b1;
        bresp_reg <= wr_bad ? RESP_SLVERR : RESP_OKAY;
    end

    if (s_axil_arvalid && !ar_full_reg) begin
        ar_full_reg <= 1'b1;
        ar_field_reg <= ar_dec_field;
        ar_slot_reg <= ar_dec_slot;
        ar_index_reg <= ar_dec_index;
        ar_addr_reg <= ar_dec_addr;
    end
    if (rd2_en) begin
        rd1_valid_reg <= 1'b0;
    end
    if (rd1_en) begin
        ar_full_reg <= 1'b0;
        rd1_valid_reg <= 1'b1;
        rd1_field_reg <= ar_field_reg;
        rd1_index_reg <= ar_index_reg;
        rd1_bad_reg <= rd1_bad;
        rd1_global_reg <= rd_global;
        rd1_result_reg <= rd_result;
        rd1_scores_reg <= score_reg[ar_slot_reg*N_OUT*OUT_BITS +: N_OUT*OUT_BITS];
        rd1_features_reg <= feature_reg[ar_slot_reg*N_IN*IN_BITS +: N_IN*IN_BITS];
    end
    if (s_axil_rready) begin
        rvalid_reg <= 1'b0;
    end
    if (rd2_en) begin
        rvalid_reg <= 1'b1;
        rdata_reg <= rd_data;
        rresp_reg <= rd1_bad_reg ? RESP_SLVERR : RESP_OKAY;
    end

    if (rst) begin
        aw_full_reg <= 1'b0;
        w_full_reg <= 1'b0;
        bvalid_reg <= 1'b0;
        ar_full_reg <= 1'b0;
        rd1_valid_reg <= 1'b0;
        rvalid_reg <= 1'b0;
    end
end

/*
 * Control, counters and slots
 */
reg [NICSCHED_ERROR_BITS-1:0] error_event;

always @* begin
    error_event = wr_event;
    if (rd_event) begin
        error_event[NICSCHED_ERROR_BAD_ADDRESS_BIT] = 1'b1;
    end
end

wire [1:0] error_count = {1'b0, |wr_event} + {1'b0, rd_event};
integer k, i;

always @(posedge clk) begin
    now_reg <= now_reg + 1;
    soft_rst_reg <= 1'b0;
    irq_reg <= 1'b0;
    lat_new_reg <= 1'b0;

    // CONTROL
    if (wr_control) begin
        enable_reg <= w_data_reg[NICSCHED_CONTROL_ENABLE_BIT];
        soft_rst_reg <= w_data_reg[NICSCHED_CONTROL_SOFT_RESET_BIT];
    end

    // ERROR (W1C; a new event wins over a clear) and ERRORS (one cycle later)
    error_reg <= (error_reg & ~wr_error_clear) | error_event;
    error_count_reg <= error_count;
    errors_reg <= errors_reg + {30'd0, error_count_reg};

    for (k = 0; k < SLOTS; k = k + 1) begin
        // doorbell: start an inference on this slot's features
        if (wr_doorbell && aw_slot_hot_reg[k]) begin
            slot_busy_reg[k] <= 1'b1;
            slot_pending_reg[k] <= !offer_direct[k];
            slot_valid_reg[k] <= 1'b0;
            slot_req_tag_reg[k*TAG_BITS +: TAG_BITS] <= w_data_reg[TAG_BITS-1:0] & wr_mask[TAG_BITS-1:0];
            slot_stamp_reg[k*32 +: 32] <= now_reg;
            slot_hold_reg[k] <= commit_reg;
        end

        // FEATURE (RW): strobed byte lanes only; each register merges with its own value
        for (i = 0; i < N_IN; i = i + 1) begin
            if (wr_feature && aw_slot_hot_reg[k] && aw_index_hot_reg[i]) begin
                feature_reg[(k*N_IN + i)*IN_BITS +: IN_BITS] <=
                    (feature_reg[(k*N_IN + i)*IN_BITS +: IN_BITS] & ~wr_mask[IN_BITS-1:0]) |
                    (w_data_reg[IN_BITS-1:0] & wr_mask[IN_BITS-1:0]);
            end
        end

        // FEATURES_PACKED (RW): inputs whose bits lie wholly in strobed byte lanes
        for (i = 0; i < N_IN; i = i + 1) begin
            if (wr_packed && aw_slot_hot_reg[k] && aw_index_hot_reg[i / FPW]
                    && &wr_mask[(i % FPW)*IN_BITS +: IN_BITS]) begin
                feature_reg[(k*N_IN + i)*IN_BITS +: IN_BITS] <= w_data_reg[(i % FPW)*IN_BITS +: IN_BITS];
            end
        end
    end

    // DMA_CTRL, DMA_BASE_LO/HI (RW, per byte lane; DMA_BASE_LO bits [11:0] stay 0)
    if (wr_dma_ctrl) begin
        dma_enable_reg <= w_data_reg[NICSCHED_DMA_CTRL_ENABLE_BIT];
    end
    if (wr_dma_base_lo) begin
        dma_base_lo_reg <= ((dma_base_lo_reg & ~wr_mask) | (w_data_reg & wr_mask)) & 32'hfffff000;
    end
    if (wr_dma_base_hi) begin
        dma_base_hi_reg <= (dma_base_hi_reg & ~wr_mask) | (w_data_reg & wr_mask);
    end

    // RELOAD (W1S), SHADOW_HASH (RW) and the swap
    if (wr_shadow_hash) begin
        shadow_hash_reg <= (shadow_hash_reg & ~wr_mask) | (w_data_reg & wr_mask);
    end
    if (wr_commit) begin
        commit_reg <= 1'b1;
    end
    if (swap) begin
        commit_reg <= 1'b0;
        slot_hold_reg <= {SLOTS{1'b0}};
        policy_hash_reg <= shadow_hash_reg;
        reloads_reg <= reloads_reg + 1;
    end

    // offers: a free group offers its lowest ready slot (which leaves
    // pending), else a doorbell of this cycle (which never becomes pending)
    for (k = 0; k < ARB_GROUPS; k = k + 1) begin
        if (group_free[k]) begin
            offer_valid_reg[k] <= group_ready[k] || group_doorbell[k];
        end
    end
    for (k = 0; k < SLOTS; k = k + 1) begin
        if (group_free[k / ARB_GROUP]) begin
            offer_hot_reg[k] <= offer_refill[k] || offer_direct[k];
        end
        if (offer_valid_reg[k / ARB_GROUP]) begin
            local_mask_reg[k] <= local_mask_next[k];
        end
        if (offer_refill[k]) begin
            slot_pending_reg[k] <= 1'b0;
        end
    end

    // grant: register the offer taken, move the pointer past its group
    if (arb_load) begin
        arb_valid_reg <= grant_valid;
        arb_hot_reg <= grant_hot;
    end
    if (issue) begin
        group_mask_reg <= group_mask_next;
    end

    // select: register the granted slot's features for the policy
    if (in_load) begin
        in_valid_reg <= arb_valid_reg;
        in_slot_reg <= arb_slot;
        in_features_reg <= arb_features;
    end

    // result stage
    res_valid_reg <= policy_out_valid;
    if (policy_out_valid) begin
        res_slot_reg <= policy_out_meta;
        res_action_reg <= result_action;
        res_scores_reg <= policy_out_scores;
        res_stamp_reg <= slot_stamp_reg[policy_out_meta*32 +: 32];
    end

    // result write-back
    if (res_valid_reg) begin
        for (k = 0; k < SLOTS; k = k + 1) begin
            if (res_slot_reg == k[SLOT_BITS-1:0]) begin
                slot_busy_reg[k] <= 1'b0;
                slot_valid_reg[k] <= 1'b1;
                slot_res_tag_reg[k*TAG_BITS +: TAG_BITS] <= slot_req_tag_reg[k*TAG_BITS +: TAG_BITS];
                slot_action_reg[k*ACTION_BITS +: ACTION_BITS] <= res_action_reg;
                score_reg[k*N_OUT*OUT_BITS +: N_OUT*OUT_BITS] <= res_scores_reg;
            end
        end
        inferences_reg <= inferences_reg + 1;
        lat_last_reg <= now_reg - res_stamp_reg;
        lat_new_reg <= 1'b1;
        irq_reg <= 1'b1;
    end
    // LAT_MAX follows LAT_LAST one cycle later
    if (lat_new_reg && lat_last_reg > lat_max_reg) begin
        lat_max_reg <= lat_last_reg;
    end

    if (srst) begin
        error_reg <= {NICSCHED_ERROR_BITS{1'b0}};
        error_count_reg <= 2'd0;
        errors_reg <= 32'd0;
        inferences_reg <= 32'd0;
        lat_last_reg <= 32'd0;
        lat_new_reg <= 1'b0;
        lat_max_reg <= 32'd0;
        irq_reg <= 1'b0;
        slot_busy_reg <= {SLOTS{1'b0}};
        slot_pending_reg <= {SLOTS{1'b0}};
        slot_valid_reg <= {SLOTS{1'b0}};
        slot_hold_reg <= {SLOTS{1'b0}};
        slot_req_tag_reg <= {SLOTS*TAG_BITS{1'b0}};
        slot_res_tag_reg <= {SLOTS*TAG_BITS{1'b0}};
        slot_action_reg <= {SLOTS*ACTION_BITS{1'b0}};
        slot_stamp_reg <= {SLOTS*32{1'b0}};
        for (k = 0; k < SLOTS; k = k + 1) begin
            feature_reg[k*N_IN*IN_BITS +: N_IN*IN_BITS] <= {N_IN*IN_BITS{1'b0}};
            score_reg[k*N_OUT*OUT_BITS +: N_OUT*OUT_BITS] <= {N_OUT*OUT_BITS{1'b0}};
        end
        offer_valid_reg <= {ARB_GROUPS{1'b0}};
        offer_hot_reg <= {SLOTS{1'b0}};
        group_mask_reg <= {ARB_GROUPS{1'b1}};
        local_mask_reg <= {SLOTS{1'b1}};
        arb_valid_reg <= 1'b0;
        in_valid_reg <= 1'b0;
        res_valid_reg <= 1'b0;
        dma_enable_reg <= 1'b0;
    end

    if (rst) begin
        enable_reg <= 1'b0;
        soft_rst_reg <= 1'b0;
        now_reg <= 32'd0;
        policy_hash_reg <= POLICY_HASH;
        shadow_hash_reg <= POLICY_HASH;
        reloads_reg <= 32'd0;
        commit_reg <= 1'b0;
        dma_base_lo_reg <= 32'd0;
        dma_base_hi_reg <= 32'd0;
    end
end

assign irq = irq_reg;

/*
 * Results into host memory: the result being written back, as the mailbox entry's words
 */
reg [31:0] dma_answer;

always @* begin
    dma_answer = 32'd0;
    dma_answer[NICSCHED_ANSWER_VALID_BIT] = 1'b1;
    dma_answer[NICSCHED_ANSWER_TAG_SHIFT +: TAG_BITS] = slot_req_tag_reg[res_slot_reg*TAG_BITS +: TAG_BITS];
    dma_answer[NICSCHED_ANSWER_ACTION_SHIFT +: ACTION_BITS] = res_action_reg;
end

generate

if (DMA_ENABLE != 0) begin : result_dma

    nicsched_result_dma #(
        .SLOTS(SLOTS),
        .DMA_ADDR_WIDTH(DMA_ADDR_WIDTH),
        .DMA_LEN_WIDTH(DMA_LEN_WIDTH),
        .DMA_TAG_WIDTH(DMA_TAG_WIDTH),
        .RAM_SEL_WIDTH(RAM_SEL_WIDTH),
        .RAM_ADDR_WIDTH(RAM_ADDR_WIDTH),
        .RAM_SEG_COUNT(RAM_SEG_COUNT),
        .RAM_SEG_DATA_WIDTH(RAM_SEG_DATA_WIDTH),
        .RAM_SEG_BE_WIDTH(RAM_SEG_BE_WIDTH),
        .RAM_SEG_ADDR_WIDTH(RAM_SEG_ADDR_WIDTH)
    )
    result_dma_inst (
        .clk(clk),
        .rst(rst),
        .srst(soft_rst_reg),
        .enable(dma_enable_reg),
        .base({dma_base_hi_reg, dma_base_lo_reg}),
        .res_valid(res_valid_reg),
        .res_slot(res_slot_reg),
        .res_seq(inferences_reg + 32'd1),
        .res_answer(dma_answer),
        .res_latency(now_reg - res_stamp_reg),
        .m_axis_dma_write_desc_dma_addr(m_axis_dma_write_desc_dma_addr),
        .m_axis_dma_write_desc_ram_sel(m_axis_dma_write_desc_ram_sel),
        .m_axis_dma_write_desc_ram_addr(m_axis_dma_write_desc_ram_addr),
        .m_axis_dma_write_desc_len(m_axis_dma_write_desc_len),
        .m_axis_dma_write_desc_tag(m_axis_dma_write_desc_tag),
        .m_axis_dma_write_desc_valid(m_axis_dma_write_desc_valid),
        .m_axis_dma_write_desc_ready(m_axis_dma_write_desc_ready),
        .s_axis_dma_write_desc_status_tag(s_axis_dma_write_desc_status_tag),
        .s_axis_dma_write_desc_status_error(s_axis_dma_write_desc_status_error),
        .s_axis_dma_write_desc_status_valid(s_axis_dma_write_desc_status_valid),
        .dma_ram_rd_cmd_sel(dma_ram_rd_cmd_sel),
        .dma_ram_rd_cmd_addr(dma_ram_rd_cmd_addr),
        .dma_ram_rd_cmd_valid(dma_ram_rd_cmd_valid),
        .dma_ram_rd_cmd_ready(dma_ram_rd_cmd_ready),
        .dma_ram_rd_resp_data(dma_ram_rd_resp_data),
        .dma_ram_rd_resp_valid(dma_ram_rd_resp_valid),
        .dma_ram_rd_resp_ready(dma_ram_rd_resp_ready),
        .active(dma_active),
        .writes(dma_writes),
        .errors(dma_errors)
    );

end else begin : no_result_dma

    assign m_axis_dma_write_desc_dma_addr = {DMA_ADDR_WIDTH{1'b0}};
    assign m_axis_dma_write_desc_ram_sel = {RAM_SEL_WIDTH{1'b0}};
    assign m_axis_dma_write_desc_ram_addr = {RAM_ADDR_WIDTH{1'b0}};
    assign m_axis_dma_write_desc_len = {DMA_LEN_WIDTH{1'b0}};
    assign m_axis_dma_write_desc_tag = {DMA_TAG_WIDTH{1'b0}};
    assign m_axis_dma_write_desc_valid = 1'b0;
    // a read the engine should never make is still answered (zeros), so nothing hangs
    assign dma_ram_rd_cmd_ready = dma_ram_rd_resp_ready;
    assign dma_ram_rd_resp_data = {RAM_SEG_COUNT*RAM_SEG_DATA_WIDTH{1'b0}};
    assign dma_ram_rd_resp_valid = dma_ram_rd_cmd_valid;
    assign dma_active = 1'b0;
    assign dma_writes = 32'd0;
    assign dma_errors = 32'd0;

    wire dma_unused = &{1'b0, m_axis_dma_write_desc_ready, s_axis_dma_write_desc_status_tag,
        s_axis_dma_write_desc_status_error, s_axis_dma_write_desc_status_valid, dma_ram_rd_cmd_sel,
        dma_ram_rd_cmd_addr, dma_answer, dma_base_hi_reg, dma_base_lo_reg, dma_enable_reg};

end

endgenerate

endmodule

`resetall
