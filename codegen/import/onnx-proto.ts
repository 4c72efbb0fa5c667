/**
 * The subset of the ONNX protobuf schema `nicsched import` reads, written for this project from the
 * field numbers of the public ONNX IR specification (docs/IR.md of the ONNX project). Only what an
 * MLP importer needs is declared; protobufjs skips every other field (functions, training info,
 * metadata, doc strings), so newer files still decode.
 *
 * Message names are shortened (`Model` for ModelProto, …); numbers are what matter on the wire.
 */

import protobuf from 'protobufjs';
import { inputError } from '../util/errors.js';

const SCHEMA = `
syntax = "proto2";
package nicsched.onnx;

message Model {
  optional int64 ir_version = 1;
  optional string producer_name = 2;
  optional string producer_version = 3;
  optional string domain = 4;
  optional int64 model_version = 5;
  optional Graph graph = 7;
  repeated OpsetId opset_import = 8;
}

message OpsetId {
  optional string domain = 1;
  optional int64 version = 2;
}

message Graph {
  repeated Node node = 1;
  optional string name = 2;
  repeated Tensor initializer = 5;
  repeated ValueInfo input = 11;
  repeated ValueInfo output = 12;
}

message Node {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  repeated Attribute attribute = 5;
  optional string domain = 7;
}

message Attribute {
  optional string name = 1;
  optional float f = 2;
  optional int64 i = 3;
  optional bytes s = 4;
  optional Tensor t = 5;
  repeated float floats = 7;
  repeated int64 ints = 8;
  optional int32 type = 20;
  optional string ref_attr_name = 21;
}

message Tensor {
  repeated int64 dims = 1;
  optional int32 data_type = 2;
  repeated float float_data = 4 [packed = true];
  repeated int32 int32_data = 5 [packed = true];
  repeated int64 int64_data = 7 [packed = true];
  optional string name = 8;
  optional bytes raw_data = 9;
  repeated double double_data = 10 [packed = true];
  repeated uint64 uint64_data = 11 [packed = true];
  repeated KeyValue external_data = 13;
  optional int32 data_location = 14;
}

message KeyValue {
  optional string key = 1;
  optional string value = 2;
}

message ValueInfo {
  optional string name = 1;
  optional Type type = 2;
}

message Type {
  optional TensorType tensor_type = 1;
}

message TensorType {
  optional int32 elem_type = 1;
  optional Shape shape = 2;
}

message Shape {
  repeated Dim dim = 1;
}

message Dim {
  optional int64 dim_value = 1;
  optional string dim_param = 2;
}
`;

/** TensorProto.DataType values (ONNX IR spec). */
export const DATA_TYPE = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
} as const;

export const DATA_TYPE_NAMES: Record<number, string> = {
  0: 'UNDEFINED',
  1: 'FLOAT',
  2: 'UINT8',
  3: 'INT8',
  4: 'UINT16',
  5: 'INT16',
  6: 'INT32',
  7: 'INT64',
  8: 'STRING',
  9: 'BOOL',
  10: 'FLOAT16',
  11: 'DOUBLE',
  12: 'UINT32',
  13: 'UINT64',
  14: 'COMPLEX64',
  15: 'COMPLEX128',
  16: 'BFLOAT16',
};

export interface OnnxOpsetId {
  domain?: string;
  version?: number;
}

export interface OnnxKeyValue {
  key?: string;
  value?: string;
}

export interface OnnxTensor {
  dims: number[];
  data_type?: number;
  float_data: number[];
  int32_data: number[];
  int64_data: number[];
  name?: string;
  raw_data?: Uint8Array;
  double_data: number[];
  uint64_data: number[];
  external_data: OnnxKeyValue[];
  data_location?: number;
}

export interface OnnxAttribute {
  name?: string;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: OnnxTensor;
  floats: number[];
  ints: number[];
  type?: number;
  ref_attr_name?: string;
}

export interface OnnxNode {
  input: string[];
  output: string[];
  name?: string;
  op_type?: string;
  attribute: OnnxAttribute[];
  domain?: string;
}

export interface OnnxDim {
  dim_value?: number;
  dim_param?: string;
}

export interface OnnxValueInfo {
  name?: string;
  type?: { tensor_type?: { elem_type?: number; shape?: { dim: OnnxDim[] } } };
}

export interface OnnxGraph {
  node: OnnxNode[];
  name?: string;
  initializer: OnnxTensor[];
  input: OnnxValueInfo[];
  output: OnnxValueInfo[];
}

export interface OnnxModel {
  ir_version?: number;
  producer_name?: string;
  producer_version?: string;
  domain?: string;
  model_version?: number;
  graph?: OnnxGraph;
  opset_import: OnnxOpsetId[];
}

let modelType: protobuf.Type | undefined;

function model(): protobuf.Type {
  modelType ??= protobuf.parse(SCHEMA, { keepCase: true }).root.lookupType('nicsched.onnx.Model');
  return modelType;
}

/**
 * Decode the bytes of a .onnx file. Truncated or corrupt bytes (a length running past the end, an
 * invalid wire type) become an InputError naming the file and the byte offset protobufjs stopped at.
 */
export function decodeModel(bytes: Uint8Array, file: string): OnnxModel {
  if (bytes.length === 0) throw inputError('file is empty, not an ONNX model', { file }, 'export the model again (torch.onnx.export or tf2onnx)');
  const type = model();
  let message: protobuf.Message;
  try {
    checkWireTypes(type, protobuf.Reader.create(bytes), bytes.length);
    message = type.decode(bytes);
  } catch (err) {
    throw inputError(`not a valid ONNX model: the protobuf is truncated or corrupt (${(err as Error).message}; file has ${bytes.length} bytes)`, { file }, 'export the model again or copy it completely (check the file size)');
  }
  return type.toObject(message, { longs: Number, arrays: true, defaults: false }) as OnnxModel;
}

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

function wireTypeOf(field: protobuf.Field): number {
  if (field.resolvedType instanceof protobuf.Type) return WIRE_LEN;
  switch (field.type) {
    case 'float':
      return WIRE_I32;
    case 'double':
      return WIRE_I64;
    case 'string':
    case 'bytes':
      return WIRE_LEN;
    default:
      return WIRE_VARINT;
  }
}

/**
 * protobufjs's decoder trusts the wire type of a field it knows (a float read as a varint, say), so a
 * corrupt byte can decode into plausible numbers. Walk the message tree first and refuse any known
 * field whose wire type does not match its declaration (a packed repeated scalar may also be
 * length-delimited); unknown fields are skipped, which throws on an invalid wire type.
 */
function checkWireTypes(type: protobuf.Type, reader: protobuf.Reader, end: number): void {
  while (reader.pos < end) {
    const at = reader.pos;
    const tag = reader.uint32();
    const wire = tag & 7;
    const field = type.fieldsById[tag >>> 3];
    if (!field) {
      reader.skipType(wire);
      continue;
    }
    const expected = wireTypeOf(field.resolve());
    const packed = field.repeated && expected !== WIRE_LEN && wire === WIRE_LEN;
    if (wire !== expected && !packed) throw new Error(`field ${field.name} (${tag >>> 3}) of ${type.name} has wire type ${wire}, not ${expected}, at offset ${at}`);
    if (field.resolvedType instanceof protobuf.Type) {
      const length = reader.uint32();
      const stop = reader.pos + length;
      if (stop > end) throw new Error(`index out of range: ${reader.pos} + ${length} > ${end}`);
      checkWireTypes(field.resolvedType, reader, stop);
    } else {
      reader.skipType(wire);
    }
  }
  if (reader.pos !== end) throw new Error(`a field runs past its message at offset ${reader.pos}`);
}
