// SPDX-License-Identifier: MIT
`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * nicsched argmax
 *
 * Combinational index of the largest of N values (DESIGN.md section 3, head
 * argmax).  On a tie the lowest index wins.  Implemented as a balanced
 * tournament tree (clog2(N) comparator levels): at every node the upper
 * (higher-index) candidate wins only if it is strictly greater.
 */
module nicsched_argmax #
(
    // number of values
    parameter N = 4,
    // value format
    parameter BITS = 8,
    parameter SIGNED = 1,
    // index width
    parameter INDEX_BITS = N > 1 ? $clog2(N) : 1
)
(
    /*
     * Values: v[k] at [k*BITS +: BITS]
     */
    input  wire [N*BITS-1:0]      in_data,

    /*
     * Result
     */
    output wire [INDEX_BITS-1:0]  out_index,
    output wire [BITS-1:0]        out_value
);

localparam LEVELS = $clog2(N);
localparam LEAVES = 1 << LEVELS;
localparam NODES = 2*LEAVES - 1;

// node (l, k) at index 2*LEAVES - (2*LEAVES >> l) + k; leaves past N hold the
// smallest value of the format, which never wins (a later index must be
// strictly greater), so the tree needs no special cases
localparam [BITS-1:0] MIN_VALUE = SIGNED != 0 ? {1'b1, {BITS-1{1'b0}}} : {BITS{1'b0}};

wire [NODES*BITS-1:0] node_value;
wire [NODES*INDEX_BITS-1:0] node_index;

genvar l, k;

generate

for (k = 0; k < LEAVES; k = k + 1) begin : leaf
    localparam [31:0] K32 = k;
    if (k < N) begin : used
        assign node_value[k*BITS +: BITS] = in_data[k*BITS +: BITS];
    end else begin : pad
        assign node_value[k*BITS +: BITS] = MIN_VALUE;
    end
    assign node_index[k*INDEX_BITS +: INDEX_BITS] = K32[INDEX_BITS-1:0];
end

for (l = 1; l <= LEVELS; l = l + 1) begin : level
    for (k = 0; k < (LEAVES >> l); k = k + 1) begin : node
        localparam A = 2*LEAVES - (2*LEAVES >> (l-1)) + 2*k;
        localparam Y = 2*LEAVES - (2*LEAVES >> l) + k;

        wire [BITS-1:0] a = node_value[A*BITS +: BITS];
        wire [BITS-1:0] b = node_value[(A+1)*BITS +: BITS];
        wire signed [BITS:0] a_ext = {SIGNED != 0 ? a[BITS-1] : 1'b0, a};
        wire signed [BITS:0] b_ext = {SIGNED != 0 ? b[BITS-1] : 1'b0, b};
        // the higher-index candidate wins only if strictly greater
        wire take_b = b_ext > a_ext;

        assign node_value[Y*BITS +: BITS] = take_b ? b : a;
        assign node_index[Y*INDEX_BITS +: INDEX_BITS] = take_b ?
            node_index[(A+1)*INDEX_BITS +: INDEX_BITS] : node_index[A*INDEX_BITS +: INDEX_BITS];
    end
end

endgenerate

assign out_value = node_value[(NODES-1)*BITS +: BITS];
assign out_index = node_index[(NODES-1)*INDEX_BITS +: INDEX_BITS];

endmodule

`resetall
