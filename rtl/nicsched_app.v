// SPDX-License-Identifier: MIT
`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * nicsched application core
 *
 * AXI-Lite register file (register map v2.0, rtl/nicsched_regs.vh), request
 * slots, a round-robin arbiter in front of the generated nicsched_policy
 * datapath, result write-back (argmax head), counters, a result interrupt,
 * and the runtime weight reload (issue 4): the `weights` block at
 * WEIGHTS_BASE writes the policy's shadow weight bank; RELOAD.COMMIT swaps it
 * in between inferences.  See docs/HARDWARE.md for the contract.
 *
 * Reload: COMMIT sets commit_reg.  Doorbells accepted while it is set are
 * held (not issued); slots whose doorbell preceded COMMIT are still issued
 * and finish on the old bank.  Once no non-held slot is busy (nothing pending
 * or in flight for the old bank), the banks swap in one cycle, SHADOW_HASH is
 * copied to POLICY_HASH, RELOADS increments, COMMIT clears and held slots are
 * released.  No inference sees a mix of banks.
 *
 * AXI-Lite: the address and data of a write may arrive in any order or in
 * the same cycle; each is captured in a holding register, and the write is
 * performed once both are present and the B channel is free.  Reads capture
 * the address, then return registered data.  One write and one read may be
 * in progress at the same time; neither channel ever waits on the other.
 * Address bits [1:0] are ignored (32-bit registers, byte lanes by wstrb).
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
    parameter CFG_ADDR_BITS = 1
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

localparam [31:0] LAST_SLOT_32 = SLOTS - 1;
localparam [SLOT_BITS-1:0] LAST_SLOT = LAST_SLOT_32[SLOT_BITS-1:0];

localparam [1:0] RESP_OKAY = 2'b00;
localparam [1:0] RESP_SLVERR = 2'b10;

// constant registers
localparam [31:0] CAPS_VALUE =
    ((N_IN & 32'hff) << NICSCHED_CAPS_INPUTS_SHIFT) |
    ((N_OUT & 32'hff) << NICSCHED_CAPS_OUTPUTS_SHIFT) |
    ((SLOTS & 32'hff) << NICSCHED_CAPS_SLOTS_SHIFT) |
    ((HEAD_ARGMAX != 0 ? 32'd0 : 32'd1) << (NICSCHED_CAPS_FLAGS_SHIFT + NICSCHED_CAPS_FLAG_HEAD_SCORES));
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
 * AXI-Lite channel state
 */
reg aw_full_reg;
reg [WORD_BITS-1:0] aw_word_reg;
reg w_full_reg;
reg [31:0] w_data_reg;
reg [3:0] w_strb_reg;
reg bvalid_reg;
reg [1:0] bresp_reg;

reg ar_full_reg;
reg [WORD_BITS-1:0] ar_word_reg;
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

wire wr_en = aw_full_reg && w_full_reg && (!bvalid_reg || s_axil_bready);
wire rd_en = ar_full_reg && (!rvalid_reg || s_axil_rready);

/*
 * Register state
 */
reg enable_reg;
reg soft_rst_reg;
reg [NICSCHED_ERROR_BITS-1:0] error_reg;
reg [31:0] inferences_reg;
reg [31:0] lat_last_reg;
reg [31:0] lat_max_reg;
reg [31:0] errors_reg;
reg [31:0] now_reg;
reg irq_reg;

// reload
reg [31:0] policy_hash_reg;
reg [31:0] shadow_hash_reg;
reg [31:0] reloads_reg;
reg commit_reg;

// slots
reg [SLOTS-1:0] slot_busy_reg;      // doorbell accepted, result not yet written
reg [SLOTS-1:0] slot_pending_reg;   // doorbell accepted, not yet issued to the policy
reg [SLOTS-1:0] slot_valid_reg;
reg [SLOTS-1:0] slot_hold_reg;      // doorbell accepted while COMMIT pending: issued after the swap
reg [SLOTS*TAG_BITS-1:0] slot_req_tag_reg;
reg [SLOTS*TAG_BITS-1:0] slot_res_tag_reg;
reg [SLOTS*ACTION_BITS-1:0] slot_action_reg;
reg [SLOTS*32-1:0] slot_stamp_reg;
reg [SLOTS*N_IN*IN_BITS-1:0] feature_reg;
reg [SLOTS*N_OUT*OUT_BITS-1:0] score_reg;

reg [SLOT_BITS-1:0] rr_ptr_reg;

// internal reset: power-on reset or CONTROL.SOFT_RESET (one cycle after the write)
wire srst = rst || soft_rst_reg;

/*
 * Policy datapath and arbiter
 */
wire policy_in_ready;
wire policy_out_valid;
wire [SLOT_BITS-1:0] policy_out_meta;
wire [N_OUT*OUT_BITS-1:0] policy_out_scores;

// round robin: lowest pending slot at or above rr_ptr_reg, else lowest pending slot
reg [SLOT_BITS-1:0] grant;
reg [SLOTS-1:0] pending_hi;
integer n;

wire [SLOTS-1:0] slot_ready = slot_pending_reg & ~slot_hold_reg;

// swap the weight banks: COMMIT pending and nothing of the old bank pending or in flight
wire swap = commit_reg && (slot_busy_reg & ~slot_hold_reg) == {SLOTS{1'b0}};

always @* begin
    pending_hi = slot_ready & ({SLOTS{1'b1}} << rr_ptr_reg);
    grant = {SLOT_BITS{1'b0}};
    for (n = SLOTS-1; n >= 0; n = n - 1) begin
        if (slot_ready[n]) begin
            grant = n[SLOT_BITS-1:0];
        end
    end
    for (n = SLOTS-1; n >= 0; n = n - 1) begin
        if (pending_hi[n]) begin
            grant = n[SLOT_BITS-1:0];
        end
    end
end

wire issue_valid = (|slot_ready) && !soft_rst_reg;

// weight bank writes (the `weights` block)
wire [31:0] aw_word32 = {{(32-WORD_BITS){1'b0}}, aw_word_reg};
wire [31:0] cfg_word32 = aw_word32 - WEIGHTS_WORD_BASE;
wire [31:0] cfg_word32_unused = cfg_word32;
reg wr_weight;
wire issue = issue_valid && policy_in_ready;

nicsched_policy #(
    .META_BITS(SLOT_BITS)
)
policy_inst (
    .clk(clk),
    .rst(srst),
    .in_valid(issue_valid),
    .in_ready(policy_in_ready),
    .in_meta(grant),
    .in_features(feature_reg[grant*N_IN*IN_BITS +: N_IN*IN_BITS]),
    .out_valid(policy_out_valid),
    .out_meta(policy_out_meta),
    .out_scores(policy_out_scores),
    .cfg_rst(rst),
    .cfg_wr_en(wr_weight),
    .cfg_wr_addr(cfg_word32[CFG_ADDR_BITS-1:0]),
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
 * Write decode (register file side of a write performed this cycle)
 */
reg [2:0] wr_field;
reg [SLOT_BITS-1:0] wr_slot;
reg [SLOT_SHIFT-1:0] wr_index;
reg [15:0] wr_addr;
reg [31:0] wr_mask;
wire [31:0] wr_mask_unused = wr_mask;  // lanes 2-3 only matter for wide or packed inputs
reg wr_bad;
reg wr_control;
reg [NICSCHED_ERROR_BITS-1:0] wr_error_clear;
reg wr_doorbell;
reg wr_feature;
reg wr_packed;
wire [31:0] wr_index32 = {{(32-SLOT_SHIFT){1'b0}}, wr_index};
reg wr_commit;
reg wr_shadow_hash;
reg [NICSCHED_ERROR_BITS-1:0] wr_event;

always @* begin
    {wr_field, wr_slot, wr_index, wr_addr} = decode(aw_word_reg);
    wr_mask = {{8{w_strb_reg[3]}}, {8{w_strb_reg[2]}}, {8{w_strb_reg[1]}}, {8{w_strb_reg[0]}}};

    wr_bad = 1'b0;
    wr_control = 1'b0;
    wr_error_clear = {NICSCHED_ERROR_BITS{1'b0}};
    wr_doorbell = 1'b0;
    wr_feature = 1'b0;
    wr_packed = 1'b0;
    wr_commit = 1'b0;
    wr_shadow_hash = 1'b0;
    wr_weight = 1'b0;
    wr_event = {NICSCHED_ERROR_BITS{1'b0}};

    case (wr_field)
        FIELD_GLOBAL: begin
            case (wr_addr)
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
                NICSCHED_REG_RELOADS: begin
                    // RO: ignored
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
                end else if (slot_busy_reg[wr_slot]) begin
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
                if (slot_busy_reg[wr_slot]) begin
                    wr_event[NICSCHED_ERROR_FEATURE_BUSY_BIT] = 1'b1;
                end else begin
                    wr_feature = 1'b1;
                end
            end
        end
        FIELD_PACKED: begin
            if (w_strb_reg != 0) begin
                if (slot_busy_reg[wr_slot]) begin
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
        wr_weight = 1'b0;
        wr_event = {NICSCHED_ERROR_BITS{1'b0}};
    end
end

/*
 * Read decode (data returned for a read performed this cycle)
 */
reg [2:0] rd_field;
reg [SLOT_BITS-1:0] rd_slot;
reg [SLOT_SHIFT-1:0] rd_index;
reg [15:0] rd_addr;
reg [31:0] rd_data;
reg rd_bad;
reg [31:0] rd_feature;
reg [31:0] rd_score;
reg [31:0] rd_packed;
integer pm;

always @* begin
    {rd_field, rd_slot, rd_index, rd_addr} = decode(ar_word_reg);

    rd_feature = {32{IN_SIGNED != 0 ? feature_reg[(rd_slot*N_IN + rd_index)*IN_BITS + IN_BITS-1] : 1'b0}};
    rd_feature[IN_BITS-1:0] = feature_reg[(rd_slot*N_IN + rd_index)*IN_BITS +: IN_BITS];
    rd_score = {32{OUT_SIGNED != 0 ? score_reg[(rd_slot*N_OUT + rd_index)*OUT_BITS + OUT_BITS-1] : 1'b0}};
    rd_score[OUT_BITS-1:0] = score_reg[(rd_slot*N_OUT + rd_index)*OUT_BITS +: OUT_BITS];

    rd_packed = 32'd0;
    for (pm = 0; pm < FPW; pm = pm + 1) begin
        if ({22'd0, rd_index}*FPW + pm < N_IN) begin
            rd_packed[pm*IN_BITS +: IN_BITS] = feature_reg[(rd_slot*N_IN + rd_index*FPW + pm)*IN_BITS +: IN_BITS];
        end
    end

    rd_data = 32'd0;
    rd_bad = 1'b0;

    case (rd_field)
        FIELD_GLOBAL: begin
            case (rd_addr)
                NICSCHED_REG_ID: rd_data = NICSCHED_ID_VALUE;
                NICSCHED_REG_VERSION: rd_data = NICSCHED_VERSION_VALUE;
                NICSCHED_REG_POLICY_HASH: rd_data = policy_hash_reg;
                NICSCHED_REG_CAPS: rd_data = CAPS_VALUE;
                NICSCHED_REG_CONTROL: rd_data[NICSCHED_CONTROL_ENABLE_BIT] = enable_reg;
                NICSCHED_REG_STATUS: begin
                    rd_data[NICSCHED_STATUS_ENABLED_BIT] = enable_reg;
                    rd_data[NICSCHED_STATUS_BUSY_BIT] = |slot_busy_reg;
                end
                NICSCHED_REG_ERROR: rd_data[NICSCHED_ERROR_BITS-1:0] = error_reg;
                NICSCHED_REG_TIMING: rd_data = TIMING_VALUE;
                NICSCHED_REG_INFERENCES: rd_data = inferences_reg;
                NICSCHED_REG_LAT_LAST: rd_data = lat_last_reg;
                NICSCHED_REG_LAT_MAX: rd_data = lat_max_reg;
                NICSCHED_REG_ERRORS: rd_data = errors_reg;
                NICSCHED_REG_FORMAT: rd_data = FORMAT_VALUE;
                NICSCHED_REG_RELOAD: rd_data[NICSCHED_RELOAD_COMMIT_BIT] = commit_reg;
                NICSCHED_REG_SHADOW_HASH: rd_data = shadow_hash_reg;
                NICSCHED_REG_RELOADS: rd_data = reloads_reg;
                default: rd_bad = 1'b1;
            endcase
        end
        FIELD_DOORBELL: begin
            // WO: reads 0
        end
        FIELD_RESULT: begin
            rd_data[NICSCHED_RESULT_VALID_BIT] = slot_valid_reg[rd_slot];
            rd_data[NICSCHED_RESULT_BUSY_BIT] = slot_busy_reg[rd_slot];
            rd_data[NICSCHED_RESULT_TAG_SHIFT +: TAG_BITS] = slot_res_tag_reg[rd_slot*TAG_BITS +: TAG_BITS];
            rd_data[NICSCHED_RESULT_ACTION_SHIFT +: ACTION_BITS] = slot_action_reg[rd_slot*ACTION_BITS +: ACTION_BITS];
        end
        FIELD_SCORE: begin
            rd_data = rd_score;
        end
        FIELD_FEATURE: begin
            rd_data = rd_feature;
        end
        FIELD_PACKED: begin
            rd_data = rd_packed;
        end
        FIELD_WEIGHT: begin
            // WO: reads 0
        end
        default: begin
            rd_bad = 1'b1;
        end
    endcase

    if (rd_bad) begin
        rd_data = 32'd0;
    end
end

wire rd_event = rd_en && rd_bad;

/*
 * AXI-Lite channels
 */
always @(posedge clk) begin
    if (s_axil_awvalid && !aw_full_reg) begin
        aw_full_reg <= 1'b1;
        aw_word_reg <= s_axil_awaddr[AXIL_ADDR_WIDTH-1:2];
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
        ar_word_reg <= s_axil_araddr[AXIL_ADDR_WIDTH-1:2];
    end
    if (s_axil_rready) begin
        rvalid_reg <= 1'b0;
    end
    if (rd_en) begin
        ar_full_reg <= 1'b0;
        rvalid_reg <= 1'b1;
        rdata_reg <= rd_data;
        rresp_reg <= rd_bad ? RESP_SLVERR : RESP_OKAY;
    end

    if (rst) begin
        aw_full_reg <= 1'b0;
        w_full_reg <= 1'b0;
        bvalid_reg <= 1'b0;
        ar_full_reg <= 1'b0;
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

wire [31:0] result_latency = now_reg - slot_stamp_reg[policy_out_meta*32 +: 32];

always @(posedge clk) begin
    now_reg <= now_reg + 1;
    soft_rst_reg <= 1'b0;
    irq_reg <= 1'b0;

    // CONTROL
    if (wr_control) begin
        enable_reg <= w_data_reg[NICSCHED_CONTROL_ENABLE_BIT];
        soft_rst_reg <= w_data_reg[NICSCHED_CONTROL_SOFT_RESET_BIT];
    end

    // ERROR (W1C; a new event wins over a clear) and ERRORS
    error_reg <= (error_reg & ~wr_error_clear) | error_event;
    errors_reg <= errors_reg + {30'd0, error_count};

    // doorbell: start an inference on this slot's features
    if (wr_doorbell) begin
        slot_busy_reg[wr_slot] <= 1'b1;
        slot_pending_reg[wr_slot] <= 1'b1;
        slot_valid_reg[wr_slot] <= 1'b0;
        slot_req_tag_reg[wr_slot*TAG_BITS +: TAG_BITS] <= w_data_reg[TAG_BITS-1:0] & wr_mask[TAG_BITS-1:0];
        slot_stamp_reg[wr_slot*32 +: 32] <= now_reg;
        slot_hold_reg[wr_slot] <= commit_reg;
    end

    // FEATURE (RW): strobed byte lanes only; each register merges with its own value
    for (k = 0; k < SLOTS; k = k + 1) begin
        for (i = 0; i < N_IN; i = i + 1) begin
            if (wr_feature && wr_slot == k[SLOT_BITS-1:0] && wr_index == i[SLOT_SHIFT-1:0]) begin
                feature_reg[(k*N_IN + i)*IN_BITS +: IN_BITS] <=
                    (feature_reg[(k*N_IN + i)*IN_BITS +: IN_BITS] & ~wr_mask[IN_BITS-1:0]) |
                    (w_data_reg[IN_BITS-1:0] & wr_mask[IN_BITS-1:0]);
            end
        end
    end

    // FEATURES_PACKED (RW): inputs whose bits lie wholly in strobed byte lanes
    for (k = 0; k < SLOTS; k = k + 1) begin
        for (i = 0; i < N_IN; i = i + 1) begin
            if (wr_packed && wr_slot == k[SLOT_BITS-1:0] && wr_index32 == i / FPW
                    && &wr_mask[(i % FPW)*IN_BITS +: IN_BITS]) begin
                feature_reg[(k*N_IN + i)*IN_BITS +: IN_BITS] <= w_data_reg[(i % FPW)*IN_BITS +: IN_BITS];
            end
        end
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

    // issue to the policy
    if (issue) begin
        slot_pending_reg[grant] <= 1'b0;
        rr_ptr_reg <= grant == LAST_SLOT ? {SLOT_BITS{1'b0}} : grant + 1'b1;
    end

    // result write-back
    if (policy_out_valid) begin
        slot_busy_reg[policy_out_meta] <= 1'b0;
        slot_valid_reg[policy_out_meta] <= 1'b1;
        slot_res_tag_reg[policy_out_meta*TAG_BITS +: TAG_BITS] <= slot_req_tag_reg[policy_out_meta*TAG_BITS +: TAG_BITS];
        slot_action_reg[policy_out_meta*ACTION_BITS +: ACTION_BITS] <= result_action;
        score_reg[policy_out_meta*N_OUT*OUT_BITS +: N_OUT*OUT_BITS] <= policy_out_scores;
        inferences_reg <= inferences_reg + 1;
        lat_last_reg <= result_latency;
        if (result_latency > lat_max_reg) begin
            lat_max_reg <= result_latency;
        end
        irq_reg <= 1'b1;
    end

    if (srst) begin
        error_reg <= {NICSCHED_ERROR_BITS{1'b0}};
        errors_reg <= 32'd0;
        inferences_reg <= 32'd0;
        lat_last_reg <= 32'd0;
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
        rr_ptr_reg <= {SLOT_BITS{1'b0}};
    end

    if (rst) begin
        enable_reg <= 1'b0;
        soft_rst_reg <= 1'b0;
        now_reg <= 32'd0;
        policy_hash_reg <= POLICY_HASH;
        shadow_hash_reg <= POLICY_HASH;
        reloads_reg <= 32'd0;
        commit_reg <= 1'b0;
    end
end

assign irq = irq_reg;

endmodule

`resetall
