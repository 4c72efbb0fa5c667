/**
 * From an ONNX graph to dense layers in float: the graph must be one chain from its single input to
 * its single output, made of Gemm, MatMul (+ Add as bias), Relu, Flatten, and Identity/Reshape where
 * they do not change an [N, k] tensor. Everything else is refused by node index, name and op type.
 *
 * Layer weights come out as [units][inputs], the policy spec's orientation, whatever the exporter
 * used: PyTorch's Linear is Gemm(transB=1) with B = [out, in]; Keras/tf2onnx Dense is MatMul with
 * B = [in, out] and an Add.
 */

import type { Activation } from '../spec/types.js';
import { inputError } from '../util/errors.js';
import { DATA_TYPE, type OnnxAttribute, type OnnxGraph, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from './onnx-proto.js';
import { TensorError, tensorValues, typeName, type NumericTensor } from './onnx-tensor.js';

export interface FloatLayer {
  inputs: number;
  units: number;
  activation: Activation;
  /** [units][inputs] */
  weights: number[][];
  bias: number[];
  /** Names (or indices) of the ONNX nodes that make up the layer. */
  nodes: string[];
}

export interface FloatNetwork {
  input: string;
  /** As declared; null for the (dynamic) batch axis. */
  inputShape: Array<number | null>;
  /** Width of the first dense layer's input: the declared width, or its product after a Flatten. */
  inputWidth: number;
  output: string;
  layers: FloatLayer[];
}

/** "8 -> 16 -> 4": the network's widths, input first. */
export function networkShape(net: FloatNetwork): string {
  return [net.inputWidth, ...net.layers.map((l) => l.units)].join(' -> ');
}

const SUPPORTED_OPS = 'Gemm, MatMul+Add, Relu, Flatten (Identity and Reshape only as no-ops on [N, k])';
const OPS = new Set(['Gemm', 'MatMul', 'Add', 'Relu', 'Flatten', 'Identity', 'Reshape']);
const KNOWN_ATTRIBUTES: Record<string, string[]> = {
  Gemm: ['alpha', 'beta', 'transA', 'transB', 'broadcast'],
  MatMul: [],
  Add: ['broadcast'],
  Relu: [],
  Flatten: ['axis'],
  Identity: [],
  Reshape: ['allowzero'],
};

interface IndexedNode {
  index: number;
  node: OnnxNode;
}

/** Dims of a tensor; null for a symbolic or unknown dimension (the batch axis). */
type Shape = Array<number | null>;

class Walk {
  shape: Shape;
  current: string;
  layers: FloatLayer[] = [];
  /** The last layer still takes a bias (Add) — no activation applied yet. */
  open = false;

  constructor(
    readonly file: string,
    readonly inits: Map<string, OnnxTensor>,
    input: string,
    shape: Shape,
  ) {
    this.current = input;
    this.shape = shape;
  }
}

function describeNode(n: IndexedNode): string {
  return `graph node ${n.index} (${n.node.name ? `"${n.node.name}"` : 'unnamed'})`;
}

export function extractNetwork(graph: OnnxGraph, file: string): FloatNetwork {
  const inits = new Map<string, OnnxTensor>(graph.initializer.map((t) => [t.name ?? '', t]));
  const nodes = collectConstants(graph.node, inits, file);
  nodes.forEach((n) => checkOp(n, file));
  const input = theInput(graph, inits, file);
  const output = theOutput(graph, file);
  const walk = new Walk(file, inits, input.name, input.shape);
  const visited = followChain(walk, nodes, output);
  const stray = nodes.find((n) => !visited.has(n.index));
  if (stray) throw inputError(`${describeNode(stray)}: op ${stray.node.op_type} is not on the chain from input "${input.name}" to output "${output}"`, { file }, 'nicsched imports a single chain of layers; remove side branches before exporting');
  if (walk.layers.length === 0) throw inputError(`the graph has no Gemm or MatMul layer`, { file }, 'export a model with at least one dense layer');
  return { input: input.name, inputShape: input.shape, inputWidth: walk.layers[0]!.inputs, output, layers: walk.layers };
}

/** Constant nodes become initializers (exporters emit them for Reshape shapes). */
function collectConstants(all: OnnxNode[], inits: Map<string, OnnxTensor>, file: string): IndexedNode[] {
  const rest: IndexedNode[] = [];
  all.forEach((node, index) => {
    const value = node.op_type === 'Constant' ? node.attribute.find((a) => a.name === 'value')?.t : undefined;
    if (value && node.output.length === 1 && (node.domain ?? '') === '') inits.set(node.output[0]!, value);
    else if (node.op_type === 'Constant') throw inputError(`${describeNode({ index, node })}: a Constant without a "value" tensor is not supported`, { file }, 'export the constant as an initializer');
    else rest.push({ index, node });
  });
  return rest;
}

function checkOp(n: IndexedNode, file: string): void {
  const domain = n.node.domain ?? '';
  const op = n.node.op_type ?? '';
  if ((domain !== '' && domain !== 'ai.onnx') || !OPS.has(op)) {
    const from = domain !== '' && domain !== 'ai.onnx' ? ` from domain "${domain}"` : '';
    throw inputError(`${describeNode(n)}: op ${op}${from} is not supported (supported: ${SUPPORTED_OPS})`, { file }, 'replace it or export the model without it');
  }
  const known = KNOWN_ATTRIBUTES[op] ?? [];
  const unknown = n.node.attribute.find((a) => !known.includes(a.name ?? ''));
  if (unknown) throw inputError(`${describeNode(n)}: attribute "${unknown.name}" of ${op} is not supported`, { file }, `${op} is read with ${known.length ? known.join(', ') : 'no attributes'}`);
}

function theInput(graph: OnnxGraph, inits: Map<string, OnnxTensor>, file: string): { name: string; shape: Shape } {
  const inputs = graph.input.filter((v) => !inits.has(v.name ?? ''));
  if (inputs.length !== 1) {
    throw inputError(`the graph has ${inputs.length} inputs (${inputs.map((v) => `"${v.name}"`).join(', ') || 'none'}); exactly one is supported`, { file }, 'export the model with one input tensor of shape [batch, features]');
  }
  const v = inputs[0]!;
  const shape = inputShape(v, file);
  return { name: v.name ?? '', shape };
}

function inputShape(v: OnnxValueInfo, file: string): Shape {
  const tensor = v.type?.tensor_type;
  const where = `graph input "${v.name}"`;
  if (!tensor) throw inputError(`${where} is not a tensor`, { file }, 'export the model with a tensor input');
  const elem = tensor.elem_type ?? 0;
  if (elem !== DATA_TYPE.FLOAT && elem !== DATA_TYPE.DOUBLE) throw inputError(`${where} has element type ${typeName(elem)}; FLOAT or DOUBLE is expected`, { file }, 'export the model with a float input');
  if (!tensor.shape) throw inputError(`${where} has no shape`, { file }, 'export with a static input shape [batch, features], e.g. a dummy input of that shape');
  const shape: Shape = tensor.shape.dim.map((d) => (d.dim_value !== undefined && d.dim_value > 0 ? d.dim_value : null));
  if (shape.length < 2) throw inputError(`${where} has rank ${shape.length}; a batch axis and a feature axis ([N, k]) are expected`, { file }, 'export with input shape [batch, features]');
  const dynamic = shape.slice(1).findIndex((d) => d === null);
  if (dynamic >= 0) throw inputError(`${where}: dimension ${dynamic + 1} is not static (${tensor.shape.dim[dynamic + 1]?.dim_param || '?'}); the input width must be fixed`, { file }, 'export with a fixed feature width (only the batch axis, dimension 0, may be dynamic)');
  return shape;
}

function theOutput(graph: OnnxGraph, file: string): string {
  if (graph.output.length !== 1) {
    throw inputError(`the graph has ${graph.output.length} outputs (${graph.output.map((v) => `"${v.name}"`).join(', ') || 'none'}); exactly one is supported`, { file }, 'export the model with one output tensor (the scores)');
  }
  return graph.output[0]!.name ?? '';
}

function followChain(walk: Walk, nodes: IndexedNode[], output: string): Set<number> {
  const visited = new Set<number>();
  for (;;) {
    const consumers = nodes.filter((n) => n.node.input.includes(walk.current));
    if (consumers.length > 1) {
      throw inputError(`tensor "${walk.current}" feeds ${consumers.length} nodes (${consumers.map(describeNode).join(', ')}); the graph is not a single chain`, { file: walk.file }, 'nicsched imports a chain of layers: each tensor feeds the next node only');
    }
    const next = consumers[0];
    if (!next) {
      if (walk.current === output) return visited;
      throw inputError(`tensor "${walk.current}" is not used by any node and is not the graph output "${output}"`, { file: walk.file }, 'the graph must lead from its input to its output in one chain');
    }
    if (walk.current === output) {
      throw inputError(`the graph output "${output}" also feeds ${describeNode(next)}`, { file: walk.file }, 'the output must be the last tensor of the chain');
    }
    applyNode(walk, next);
    visited.add(next.index);
  }
}

function applyNode(walk: Walk, n: IndexedNode): void {
  if (n.node.output.length !== 1) fail(walk, n, `has ${n.node.output.length} outputs; one is expected`, 'export in inference mode');
  switch (n.node.op_type) {
    case 'Gemm':
      return gemm(walk, n);
    case 'MatMul':
      return matmul(walk, n);
    case 'Add':
      return add(walk, n);
    case 'Relu':
      return relu(walk, n);
    case 'Flatten':
      return flatten(walk, n);
    case 'Identity':
      return advance(walk, n, walk.shape);
    default:
      return reshape(walk, n);
  }
}

function fail(walk: Walk, n: IndexedNode, message: string, hint: string): never {
  throw inputError(`${describeNode(n)}: ${n.node.op_type} ${message}`, { file: walk.file }, hint);
}

function advance(walk: Walk, n: IndexedNode, shape: Shape): void {
  walk.current = n.node.output[0]!;
  walk.shape = shape;
}

function constant(walk: Walk, n: IndexedNode, position: number): NumericTensor {
  const name = n.node.input[position] ?? '';
  const t = walk.inits.get(name);
  if (!t) fail(walk, n, `input ${position} ("${name}") is not an initializer; weights, biases and shapes must be constants`, 'export with the parameters stored as initializers (do_constant_folding=True)');
  try {
    return tensorValues(t);
  } catch (err) {
    if (err instanceof TensorError) fail(walk, n, err.message, 'export the model again');
    throw err;
  }
}

function attrInt(n: IndexedNode, name: string, fallback: number): number {
  const a: OnnxAttribute | undefined = n.node.attribute.find((x) => x.name === name);
  return a?.i ?? fallback;
}

function attrFloat(n: IndexedNode, name: string, fallback: number): number {
  const a = n.node.attribute.find((x) => x.name === name);
  return a?.f ?? fallback;
}

function denseInput(walk: Walk, n: IndexedNode): number {
  if (n.node.input[0] !== walk.current) fail(walk, n, `takes the chain's tensor "${walk.current}" as input ${n.node.input.indexOf(walk.current)}; it must be input 0 (the activations times the weights)`, 'export x·W, not W·x');
  if (walk.shape.length !== 2) fail(walk, n, `gets a tensor of rank ${walk.shape.length} ([${walk.shape.map((d) => d ?? 'N').join(', ')}]); a dense layer takes [N, k]`, 'add a Flatten before the first layer');
  return walk.shape[1] as number;
}

function matrix(walk: Walk, n: IndexedNode, t: NumericTensor, transposed: boolean, inputs: number): number[][] {
  if (t.dims.length !== 2) fail(walk, n, `weights "${t.name}" have shape [${t.dims.join(', ')}]; a matrix is expected`, 'only dense layers are imported');
  const [rows, cols] = t.dims as [number, number];
  const fanIn = transposed ? cols : rows;
  if (fanIn !== inputs) fail(walk, n, `weights "${t.name}" have shape [${rows}, ${cols}] but the layer input has width ${inputs}`, 'check the exported shapes');
  const units = transposed ? rows : cols;
  return Array.from({ length: units }, (_, j) => Array.from({ length: inputs }, (_, i) => (transposed ? t.values[j * cols + i]! : t.values[i * cols + j]!)));
}

function biasVector(walk: Walk, n: IndexedNode, t: NumericTensor, units: number): number[] {
  const d = t.dims;
  const scalar = t.values.length === 1 && d.every((x) => x === 1);
  const row = t.values.length === units && (d.length === 1 || (d.length === 2 && d[0] === 1));
  if (!scalar && !row) fail(walk, n, `bias "${t.name}" has shape [${d.join(', ')}]; [${units}], [1, ${units}] or a scalar is expected`, 'a bias adds one value per unit');
  return Array.from({ length: units }, (_, j) => (scalar ? t.values[0]! : t.values[j]!));
}

function pushLayer(walk: Walk, n: IndexedNode, weights: number[][], bias: number[]): void {
  walk.layers.push({ inputs: weights[0]?.length ?? 0, units: weights.length, activation: 'none', weights, bias, nodes: [n.node.name || `#${n.index}`] });
  walk.open = true;
  advance(walk, n, [walk.shape[0] ?? null, weights.length]);
}

function gemm(walk: Walk, n: IndexedNode): void {
  const inputs = denseInput(walk, n);
  if (attrInt(n, 'transA', 0) !== 0) fail(walk, n, 'has transA=1; only transA=0 is supported', 'export x·Wᵀ with x as [N, k]');
  const alpha = attrFloat(n, 'alpha', 1);
  const beta = attrFloat(n, 'beta', 1);
  const w = matrix(walk, n, constant(walk, n, 1), attrInt(n, 'transB', 0) !== 0, inputs).map((row) => row.map((v) => alpha * v));
  const c = n.node.input[2] ? biasVector(walk, n, constant(walk, n, 2), w.length) : w.map(() => 0);
  pushLayer(
    walk,
    n,
    w,
    c.map((v) => beta * v),
  );
}

function matmul(walk: Walk, n: IndexedNode): void {
  const inputs = denseInput(walk, n);
  const w = matrix(walk, n, constant(walk, n, 1), false, inputs);
  pushLayer(
    walk,
    n,
    w,
    w.map(() => 0),
  );
}

function add(walk: Walk, n: IndexedNode): void {
  const layer = walk.layers[walk.layers.length - 1];
  if (!layer || !walk.open) fail(walk, n, 'is supported only as the bias right after a MatMul or Gemm', 'fold the addition into the layer before the activation');
  const other = n.node.input[0] === walk.current ? 1 : 0;
  if (n.node.input.length !== 2 || n.node.input[1 - other] !== walk.current) fail(walk, n, 'must add a constant to the chain tensor', 'export the bias as an initializer');
  const b = biasVector(walk, n, constant(walk, n, other), layer.units);
  layer.bias = layer.bias.map((v, j) => v + b[j]!);
  layer.nodes.push(n.node.name || `#${n.index}`);
  advance(walk, n, walk.shape);
}

function relu(walk: Walk, n: IndexedNode): void {
  const layer = walk.layers[walk.layers.length - 1];
  if (!layer || (!walk.open && layer.activation !== 'relu')) fail(walk, n, 'must follow a dense layer (Gemm or MatMul+Add)', "nicsched applies relu to a layer's accumulator");
  layer.activation = 'relu';
  layer.nodes.push(n.node.name || `#${n.index}`);
  walk.open = false;
  advance(walk, n, walk.shape);
}

function flatten(walk: Walk, n: IndexedNode): void {
  const rank = walk.shape.length;
  const raw = attrInt(n, 'axis', 1);
  const axis = raw < 0 ? raw + rank : raw;
  if (axis !== 1) fail(walk, n, `has axis=${raw}; only axis 1 (keep the batch axis) is supported`, 'flatten with axis=1');
  const width = walk.shape.slice(1).reduce<number>((a, d) => a * (d ?? 0), 1);
  advance(walk, n, [walk.shape[0] ?? null, width]);
}

function reshape(walk: Walk, n: IndexedNode): void {
  const target = constant(walk, n, 1).values;
  const width = walk.shape[1];
  const allowZero = attrInt(n, 'allowzero', 0) !== 0;
  const batchOk = target[0] === -1 || (target[0] === 0 && !allowZero);
  const noop = walk.shape.length === 2 && target.length === 2 && batchOk && target[1] === width;
  if (!noop) fail(walk, n, `to [${target.join(', ')}] on [${walk.shape.map((d) => d ?? 'N').join(', ')}] changes the tensor; only a no-op Reshape of [N, k] is supported`, 'use Flatten(axis=1) or export without the Reshape');
  advance(walk, n, walk.shape);
}
