`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * The numeric core of the card for bulk simulation: the generated
 * nicsched_policy (every layer) and, for an argmax head, nicsched_argmax, as
 * nicsched_app instantiates them, with the policy's features streamed in and
 * its scores and action streamed out.  The request slots and the AXI-Lite
 * register file around them are proven by the cocotb benches
 * (sim/benches/test_app.py); sim/bulk/nicsched_bulk.cpp drives this top with
 * one input per II cycles and compares every output with the golden model.
 *
 * in_meta travels with an input through the datapath (the runner sends the
 * vector's index, so an output is matched to its input, not assumed in order).
 */
module nicsched_bulk_top (
    clk,
    rst,
    in_valid,
    in_ready,
    in_meta,
    in_features,
    out_valid,
    out_meta,
    out_scores,
    out_action
);

/* verilator lint_off UNUSEDPARAM */
`include "nicsched_policy.vh"
/* verilator lint_on UNUSEDPARAM */

localparam META_BITS = 32;
localparam INDEX_BITS = NICSCHED_N_OUT > 1 ? $clog2(NICSCHED_N_OUT) : 1;

input  wire                                          clk;
input  wire                                          rst;
input  wire                                          in_valid;
output wire                                          in_ready;
input  wire [META_BITS-1:0]                          in_meta;
input  wire [NICSCHED_N_IN*NICSCHED_IN_BITS-1:0]     in_features;
output wire                                          out_valid;
output wire [META_BITS-1:0]                          out_meta;
output wire [NICSCHED_N_OUT*NICSCHED_OUT_BITS-1:0]   out_scores;
output wire [7:0]                                    out_action;

nicsched_policy #(
    .META_BITS(META_BITS)
)
policy_inst (
    .clk(clk),
    .rst(rst),
    .in_valid(in_valid),
    .in_ready(in_ready),
    .in_meta(in_meta),
    .in_features(in_features),
    .out_valid(out_valid),
    .out_meta(out_meta),
    .out_scores(out_scores),
    .cfg_rst(rst),
    .cfg_wr_en(1'b0),
    .cfg_wr_addr({NICSCHED_CFG_ADDR_BITS{1'b0}}),
    .cfg_wr_data(32'd0),
    .cfg_swap(1'b0)
);

generate

if (NICSCHED_HEAD_ARGMAX != 0) begin : head_argmax

    wire [INDEX_BITS-1:0] argmax_index;
    wire [NICSCHED_OUT_BITS-1:0] argmax_value_unused;

    nicsched_argmax #(
        .N(NICSCHED_N_OUT),
        .BITS(NICSCHED_OUT_BITS),
        .SIGNED(NICSCHED_OUT_SIGNED)
    )
    argmax_inst (
        .in_data(out_scores),
        .out_index(argmax_index),
        .out_value(argmax_value_unused)
    );

    assign out_action = {{(8-INDEX_BITS){1'b0}}, argmax_index};

end else begin : head_scores

    assign out_action = 8'd0;

end

endgenerate

endmodule

`resetall
