/**
 * The hardware shape of a policy: everything the bitstream fixes (topology, formats, shifts, slots,
 * reuse, target), i.e. everything but the weight and bias values that live in the shadow bank. Two
 * policies with the same shape can be swapped by a reload; `reload-plan` compares shapes field by
 * field, and the shape hash lets the driver refuse weights made for another bitstream.
 */

import { createHash } from 'node:crypto';
import { canonicalJson, digest32 } from '../ir/canonical.js';
import type { Ir, IrLayer } from '../ir/ir.js';

/** What the bitstream fixes for the whole policy. */
export function hardwareShape(ir: Ir): Record<string, unknown> {
  return {
    inputs: ir.features.length,
    input_format: ir.input_format,
    layers: ir.layers.length,
    head: ir.head,
    board: ir.target.board,
    clock_mhz: ir.target.clock_mhz,
    reuse: ir.target.reuse,
    slots: ir.target.slots,
  };
}

/** What the bitstream fixes per layer. */
export function layerShape(l: IrLayer): Record<string, unknown> {
  return {
    inputs: l.inputs,
    units: l.units,
    activation: l.activation,
    weight_format: l.weight_format,
    output_format: l.output_format,
    accumulator_bits: l.accumulator.bits,
    shift: l.shift,
  };
}

/** First 32 bits (big-endian) of the SHA-256 of the canonical shape: equal exactly when the shapes are. */
export function shapeHash32(ir: Ir): number {
  const shape = { ...hardwareShape(ir), layer_shapes: ir.layers.map(layerShape) };
  return digest32(createHash('sha256').update(canonicalJson(shape)).digest('hex'));
}
