// SPDX-License-Identifier: MIT
`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * nicsched dense layer
 *
 * Fixed-point fully connected layer (DESIGN.md section 3); weights and biases
 * are input ports (driven by nicsched_weight_bank, runtime reloadable):
 *
 *   acc[j] = sum_i x[i] * w[j][i] + b[j]              (ACC_BITS, two's complement)
 *   a[j]   = RELU ? max(acc[j], 0) : acc[j]
 *   r[j]   = SHIFT > 0 ? floor((a[j] + 2^(SHIFT-1)) / 2^SHIFT) : a[j] * 2^(-SHIFT)
 *   y[j]   = saturate(r[j]) to OUT_BITS (OUT_SIGNED)
 *
 * Datapath: ceil(N_IN/REUSE) multipliers per output feed a binary adder tree.
 * The products are registered (a multiplier sees registers on both sides);
 * the tree is registered every LEVELS_PER_STAGE levels and at its root; the
 * last stage adds the bias plus the rounding constant (a register), or the
 * running sum when REUSE > 1, then applies relu, requantize and saturate, and
 * registers the result.
 *
 * weights and bias are sampled while an input is in the datapath (products at
 * stage 0; the bias one cycle before the last stage); they must stay constant
 * from in_valid until out_valid (nicsched_app swaps the weight bank only when
 * the datapath is empty).
 *
 * The tree works modulo 2^SUM_BITS (SUM_BITS >= ACC_BITS), so partial sums may
 * wrap; the final sum is exact because the accumulator never overflows.
 *
 * Latency (in_valid to out_valid, cycles), with L = clog2(ceil(N_IN/REUSE))
 * adder-tree levels:
 *   REUSE + ceil(L / LEVELS_PER_STAGE) + 1
 * which is 2 + ceil(clog2(N_IN) / LEVELS_PER_STAGE) for REUSE = 1.
 * Initiation interval: REUSE (in_ready is low for REUSE-1 cycles after an
 * accepted input; always high for REUSE = 1).  There is no output
 * back-pressure: out_valid is a single-cycle strobe.
 */
module nicsched_dense #
(
    // layer shape
    parameter N_IN = 8,
    parameter N_OUT = 16,
    // input format
    parameter IN_BITS = 8,
    parameter IN_SIGNED = 0,
    // weight format
    parameter W_BITS = 8,
    parameter W_SIGNED = 1,
    // signed accumulator width (from the IR; never overflows)
    parameter ACC_BITS = 24,
    // output format
    parameter OUT_BITS = 8,
    parameter OUT_SIGNED = 0,
    // acc.frac - out.frac; negative means shift left
    parameter SHIFT = 6,
    // activation: 1 = relu, 0 = none
    parameter RELU = 1,
    // adder-tree levels between pipeline registers
    parameter LEVELS_PER_STAGE = 3,
    // multiplications per multiplier (initiation interval)
    parameter REUSE = 1,
    // sideband passed from input to output
    parameter META_BITS = 8
)
(
    input  wire                       clk,
    input  wire                       rst,

    /*
     * Parameters (held constant while an input is in flight)
     * w[j][i] at [(j*N_IN+i)*W_BITS +: W_BITS]
     * b[j] at [j*ACC_BITS +: ACC_BITS], two's complement, accumulator scale
     */
    input  wire [N_OUT*N_IN*W_BITS-1:0] weights,
    input  wire [N_OUT*ACC_BITS-1:0]  bias,

    /*
     * Input
     */
    input  wire                       in_valid,
    output wire                       in_ready,
    input  wire [META_BITS-1:0]       in_meta,
    input  wire [N_IN*IN_BITS-1:0]    in_data,

    /*
     * Output
     */
    output wire                       out_valid,
    output wire [META_BITS-1:0]       out_meta,
    output wire [N_OUT*OUT_BITS-1:0]  out_data
);

// multipliers per output and adder tree shape
localparam MULTS = (N_IN + REUSE - 1) / REUSE;
localparam LEVELS = $clog2(MULTS);
localparam LEAVES = 1 << LEVELS;
localparam NODES = 2*LEAVES - 1;
// registered tree stages after the product registers: every LEVELS_PER_STAGE levels, and the
// root (so the last stage starts from registers)
localparam TREE_REGS = LEVELS == 0 ? 0 : (LEVELS + LEVELS_PER_STAGE - 1) / LEVELS_PER_STAGE;

// widths
localparam X_BITS = IN_BITS + 1;            // input, sign- or zero-extended
localparam WX_BITS = W_BITS + 1;            // weight, sign- or zero-extended
localparam P_BITS = X_BITS + WX_BITS;       // exact product
// accumulator plus rounding constant must not wrap: one bit above max(ACC_BITS, SHIFT)
localparam ACC_RND_BITS = SHIFT > 0 ? (ACC_BITS > SHIFT ? ACC_BITS : SHIFT) + 1 : ACC_BITS;
// tree width (products wider than that are added modulo 2^SUM_BITS)
localparam SUM_BITS = ACC_RND_BITS;
localparam SHIFT_R = SHIFT > 0 ? SHIFT : 0;
localparam SHIFT_L = SHIFT > 0 ? 0 : -SHIFT;
localparam SHIFT_R1 = SHIFT > 0 ? SHIFT - 1 : 0;
localparam V_BITS = SUM_BITS + SHIFT_L;     // after requantize shift, before saturation
localparam C_BITS = (V_BITS > OUT_BITS ? V_BITS : OUT_BITS) + 1;

localparam PH_BITS = REUSE > 1 ? $clog2(REUSE) : 1;

// saturation: the bits of a value (C_BITS, two's complement) that must equal its sign for it
// to fit the output format: above OUT_BITS, or from the sign bit up when signed
localparam [C_BITS-1:0] HIGH_MASK = {C_BITS{1'b1}} << (OUT_SIGNED != 0 ? OUT_BITS - 1 : OUT_BITS);
// the largest and smallest value of the output format
localparam [OUT_BITS-1:0] Y_MAX = OUT_SIGNED != 0 ? {1'b0, {(OUT_BITS-1){1'b1}}} : {OUT_BITS{1'b1}};
localparam [OUT_BITS-1:0] Y_MIN = OUT_SIGNED != 0 ? {1'b1, {(OUT_BITS-1){1'b0}}} : {OUT_BITS{1'b0}};

localparam [SUM_BITS-1:0] ROUND = SHIFT > 0 ? {{(SUM_BITS-1){1'b0}}, 1'b1} << SHIFT_R1 : {SUM_BITS{1'b0}};

/*
 * Phase control (REUSE > 1: phase 0 uses in_data and accepts, phases
 * 1..REUSE-1 use the captured input; input i = phase*MULTS + m)
 */
wire [PH_BITS-1:0] phase;
wire [REUSE*MULTS*IN_BITS-1:0] x_all;       // inputs of the current phase, padded with zeros
wire [META_BITS-1:0] meta_cur;

wire st0_valid;
wire st0_last;

generate

if (REUSE > 1) begin : reuse

    localparam [31:0] REUSE_M1 = REUSE - 1;
    localparam [PH_BITS-1:0] PH_LAST = REUSE_M1[PH_BITS-1:0];

    reg [PH_BITS-1:0] phase_reg;
    reg [N_IN*IN_BITS-1:0] x_reg;
    reg [META_BITS-1:0] meta_reg;
    reg [REUSE*MULTS*IN_BITS-1:0] x_pad;

    always @(posedge clk) begin
        if (phase_reg == 0) begin
            if (in_valid) begin
                phase_reg <= 1;
                x_reg <= in_data;
                meta_reg <= in_meta;
            end
        end else if (phase_reg == PH_LAST) begin
            phase_reg <= 0;
        end else begin
            phase_reg <= phase_reg + 1;
        end

        if (rst) begin
            phase_reg <= 0;
        end
    end

    always @* begin
        x_pad = {REUSE*MULTS*IN_BITS{1'b0}};
        if (phase_reg == 0) begin
            x_pad[N_IN*IN_BITS-1:0] = in_data;
        end else begin
            x_pad[N_IN*IN_BITS-1:0] = x_reg;
        end
    end

    // first phase flag, aligned with ctl_*_reg
    reg [TREE_REGS:0] first_pipe_reg;
    integer i;

    always @(posedge clk) begin
        first_pipe_reg[0] <= phase_reg == 0;
        for (i = 1; i <= TREE_REGS; i = i + 1) begin
            first_pipe_reg[i] <= first_pipe_reg[i-1];
        end
    end

    assign phase = phase_reg;
    assign x_all = x_pad;
    assign meta_cur = phase_reg == 0 ? in_meta : meta_reg;
    assign in_ready = phase_reg == 0;
    assign st0_valid = phase_reg == 0 ? in_valid : 1'b1;
    assign st0_last = phase_reg == PH_LAST;

end else begin : no_reuse

    assign phase = 1'b0;
    assign x_all = in_data;
    assign meta_cur = in_meta;
    assign in_ready = 1'b1;
    assign st0_valid = in_valid;
    assign st0_last = 1'b1;

end

endgenerate

/*
 * Control pipeline: stage 0 is aligned with the product registers, stage s
 * with the tree registers of levels (s-1)*LEVELS_PER_STAGE+1 .. s*LEVELS_PER_STAGE,
 * stage TREE_REGS with the registered tree root (the input of the last stage)
 */
reg [TREE_REGS:0] ctl_valid_reg;
reg [TREE_REGS:0] ctl_last_reg;
reg [(TREE_REGS+1)*META_BITS-1:0] ctl_meta_reg;

always @(posedge clk) begin
    ctl_valid_reg[0] <= st0_valid;
    ctl_last_reg[0] <= st0_last;
    ctl_meta_reg[0 +: META_BITS] <= meta_cur;

    if (rst) begin
        ctl_valid_reg[0] <= 1'b0;
    end
end

genvar s;

generate

for (s = 1; s <= TREE_REGS; s = s + 1) begin : ctl_stage
    always @(posedge clk) begin
        ctl_valid_reg[s] <= ctl_valid_reg[s-1];
        ctl_last_reg[s] <= ctl_last_reg[s-1];
        ctl_meta_reg[s*META_BITS +: META_BITS] <= ctl_meta_reg[(s-1)*META_BITS +: META_BITS];

        if (rst) begin
            ctl_valid_reg[s] <= 1'b0;
        end
    end
end

endgenerate

wire last_valid = ctl_valid_reg[TREE_REGS];
wire last_last = ctl_last_reg[TREE_REGS];
wire [META_BITS-1:0] last_meta = ctl_meta_reg[TREE_REGS*META_BITS +: META_BITS];

/*
 * Output registers
 */
reg out_valid_reg;
reg [META_BITS-1:0] out_meta_reg;

always @(posedge clk) begin
    out_valid_reg <= last_valid && last_last;
    if (last_valid && last_last) begin
        out_meta_reg <= last_meta;
    end

    if (rst) begin
        out_valid_reg <= 1'b0;
    end
end

assign out_valid = out_valid_reg;
assign out_meta = out_meta_reg;

/*
 * Datapath
 */
genvar j, m, r, l, k;

generate

for (j = 0; j < N_OUT; j = j + 1) begin : out

    wire [NODES*SUM_BITS-1:0] tree;

    // leaves: registered products
    for (m = 0; m < LEAVES; m = m + 1) begin : leaf
        if (m < MULTS) begin : mul

            wire [REUSE*W_BITS-1:0] w_phase;

            for (r = 0; r < REUSE; r = r + 1) begin : wsel
                if (r*MULTS + m < N_IN) begin : used
                    assign w_phase[r*W_BITS +: W_BITS] = weights[(j*N_IN + r*MULTS + m)*W_BITS +: W_BITS];
                end else begin : pad
                    assign w_phase[r*W_BITS +: W_BITS] = {W_BITS{1'b0}};
                end
            end

            wire [IN_BITS-1:0] x = x_all[(phase*MULTS + m)*IN_BITS +: IN_BITS];
            wire [W_BITS-1:0] w = w_phase[phase*W_BITS +: W_BITS];

            wire signed [X_BITS-1:0] x_ext = {IN_SIGNED ? x[IN_BITS-1] : 1'b0, x};
            wire signed [WX_BITS-1:0] w_ext = {W_SIGNED ? w[W_BITS-1] : 1'b0, w};
            wire signed [P_BITS-1:0] prod = x_ext * w_ext;

            reg [SUM_BITS-1:0] prod_resized;
            reg [SUM_BITS-1:0] prod_reg;

            if (SUM_BITS >= P_BITS) begin : sext
                always @* begin
                    prod_resized = {SUM_BITS{prod[P_BITS-1]}};
                    prod_resized[P_BITS-1:0] = prod;
                end
            end else begin : trunc
                // modulo 2^SUM_BITS: the high bits cancel out in the final sum
                wire [P_BITS-SUM_BITS-1:0] prod_unused = prod[P_BITS-1:SUM_BITS];
                always @* begin
                    prod_resized = prod[SUM_BITS-1:0];
                end
            end

            always @(posedge clk) begin
                if (st0_valid) begin
                    prod_reg <= prod_resized;
                end
            end

            assign tree[m*SUM_BITS +: SUM_BITS] = prod_reg;

        end else begin : zero
            assign tree[m*SUM_BITS +: SUM_BITS] = {SUM_BITS{1'b0}};
        end
    end

    // adder tree: node (l, k) at index 2*LEAVES - (2*LEAVES >> l) + k
    for (l = 1; l <= LEVELS; l = l + 1) begin : level
        for (k = 0; k < (LEAVES >> l); k = k + 1) begin : node
            wire [SUM_BITS-1:0] a = tree[(2*LEAVES - (2*LEAVES >> (l-1)) + 2*k)*SUM_BITS +: SUM_BITS];
            wire [SUM_BITS-1:0] b = tree[(2*LEAVES - (2*LEAVES >> (l-1)) + 2*k + 1)*SUM_BITS +: SUM_BITS];

            if (l % LEVELS_PER_STAGE == 0 || l == LEVELS) begin : pipe
                reg [SUM_BITS-1:0] sum_reg;
                always @(posedge clk) begin
                    if (ctl_valid_reg[(l + LEVELS_PER_STAGE - 1)/LEVELS_PER_STAGE - 1]) begin
                        sum_reg <= a + b;
                    end
                end
                assign tree[(2*LEAVES - (2*LEAVES >> l) + k)*SUM_BITS +: SUM_BITS] = sum_reg;
            end else begin : comb
                assign tree[(2*LEAVES - (2*LEAVES >> l) + k)*SUM_BITS +: SUM_BITS] = a + b;
            end
        end
    end

    wire [SUM_BITS-1:0] root = tree[(NODES-1)*SUM_BITS +: SUM_BITS];

    // bias at accumulator scale, sign-extended, plus the rounding constant
    // (added at run time: the bias is a register now, not a parameter)
    wire [ACC_BITS-1:0] b_j = bias[j*ACC_BITS +: ACC_BITS];
    wire [SUM_BITS-1:0] b_ext;

    if (SUM_BITS > ACC_BITS) begin : bsext
        assign b_ext = {{(SUM_BITS-ACC_BITS){b_j[ACC_BITS-1]}}, b_j};
    end else begin : bsame
        assign b_ext = b_j;
    end

    // registered: the bias port holds still while an input is in the datapath, and the last
    // stage is at least one cycle after in_valid, so the register always holds b + 2^(SHIFT-1)
    reg [SUM_BITS-1:0] bias_round;

    always @(posedge clk) begin
        bias_round <= b_ext + ROUND;
    end

    // last stage: sum, relu, requantize, saturate
    wire [SUM_BITS-1:0] sum;

    if (REUSE > 1) begin : accum
        reg [SUM_BITS-1:0] acc_reg;

        // first phase of an input: start from the bias instead of the running sum
        assign sum = root + (reuse.first_pipe_reg[TREE_REGS] ? bias_round : acc_reg);

        always @(posedge clk) begin
            if (last_valid) begin
                acc_reg <= sum;
            end
        end
    end else begin : direct
        assign sum = root + bias_round;
    end

    reg [V_BITS-1:0] v;
    reg [C_BITS-1:0] c;
    reg [C_BITS-1:0] c_high;
    reg [OUT_BITS-1:0] y;

    always @* begin
        // requantize: arithmetic shift right (the rounding constant is
        // already in sum) or shift left
        v = {V_BITS{sum[SUM_BITS-1]}};
        v[SUM_BITS-1:0] = sum;
        v = ($signed(v) >>> SHIFT_R) << SHIFT_L;

        // relu (max(floor((acc + 2^(s-1)) / 2^s), 0) == requant(max(acc, 0)))
        if (RELU != 0 && v[V_BITS-1]) begin
            v = {V_BITS{1'b0}};
        end

        // saturate
        c = {C_BITS{v[V_BITS-1]}};
        c[V_BITS-1:0] = v;

        // c fits the output format when its bits above the format (and, when
        // signed, the format's sign bit) all equal its sign: bit tests, not
        // magnitude compares, so no carry chain follows the sum's
        c_high = c & HIGH_MASK;
        if (!c[C_BITS-1]) begin
            y = c_high == {C_BITS{1'b0}} ? c[OUT_BITS-1:0] : Y_MAX;
        end else if (OUT_SIGNED != 0 && c_high == HIGH_MASK) begin
            y = c[OUT_BITS-1:0];
        end else begin
            y = Y_MIN;
        end
    end

    reg [OUT_BITS-1:0] y_reg;

    always @(posedge clk) begin
        if (last_valid && last_last) begin
            y_reg <= y;
        end
    end

    assign out_data[j*OUT_BITS +: OUT_BITS] = y_reg;

end

endgenerate

endmodule

`resetall
