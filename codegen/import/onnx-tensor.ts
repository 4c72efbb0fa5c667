/**
 * ONNX initializers as numbers. Float32 and float64 come from raw_data (little-endian) or from
 * float_data / double_data; integers from raw_data, int32_data, int64_data or uint64_data.
 * External data (weights in a side file) is refused: the importer reads one self-contained file.
 */

import { DATA_TYPE, DATA_TYPE_NAMES, type OnnxTensor } from './onnx-proto.js';

export interface NumericTensor {
  name: string;
  dims: number[];
  values: number[];
}

/** Thrown with a message the caller locates (file, node). */
export class TensorError extends Error {}

const RAW_WIDTH: Record<number, number> = {
  [DATA_TYPE.FLOAT]: 4,
  [DATA_TYPE.DOUBLE]: 8,
  [DATA_TYPE.INT8]: 1,
  [DATA_TYPE.UINT8]: 1,
  [DATA_TYPE.INT16]: 2,
  [DATA_TYPE.UINT16]: 2,
  [DATA_TYPE.INT32]: 4,
  [DATA_TYPE.UINT32]: 4,
  [DATA_TYPE.INT64]: 8,
  [DATA_TYPE.UINT64]: 8,
  [DATA_TYPE.BOOL]: 1,
};

export function typeName(dataType: number | undefined): string {
  return DATA_TYPE_NAMES[dataType ?? 0] ?? `data type ${dataType}`;
}

export function tensorValues(t: OnnxTensor): NumericTensor {
  const name = t.name ?? '';
  if (t.data_location === 1 || t.external_data.length > 0) {
    throw new TensorError(`initializer "${name}" keeps its data in an external file, which is not supported; save the model with its weights inside (onnx.save_model(model, path, save_as_external_data=False))`);
  }
  const dataType = t.data_type ?? 0;
  const width = RAW_WIDTH[dataType];
  if (width === undefined) throw new TensorError(`initializer "${name}" has type ${typeName(dataType)}; only FLOAT, DOUBLE and integer tensors are read`);
  const count = t.dims.reduce((a, d) => a * d, 1);
  const values = t.raw_data !== undefined && t.raw_data.length > 0 ? fromRaw(t.raw_data, dataType, width, name) : fromTyped(t, dataType);
  if (values.length !== count) {
    throw new TensorError(`initializer "${name}" has ${values.length} values but its shape [${t.dims.join(', ')}] needs ${count}`);
  }
  for (const v of values) {
    if (!Number.isFinite(v)) throw new TensorError(`initializer "${name}" holds ${v}; weights must be finite numbers`);
  }
  return { name, dims: [...t.dims], values };
}

function fromRaw(raw: Uint8Array, dataType: number, width: number, name: string): number[] {
  if (raw.length % width !== 0) throw new TensorError(`initializer "${name}": raw_data has ${raw.length} bytes, not a multiple of ${width} (${typeName(dataType)})`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const n = raw.length / width;
  const read = rawReader(view, dataType);
  return Array.from({ length: n }, (_, k) => read(k * width));
}

function rawReader(view: DataView, dataType: number): (offset: number) => number {
  switch (dataType) {
    case DATA_TYPE.FLOAT:
      return (o) => view.getFloat32(o, true);
    case DATA_TYPE.DOUBLE:
      return (o) => view.getFloat64(o, true);
    case DATA_TYPE.INT8:
      return (o) => view.getInt8(o);
    case DATA_TYPE.UINT8:
    case DATA_TYPE.BOOL:
      return (o) => view.getUint8(o);
    case DATA_TYPE.INT16:
      return (o) => view.getInt16(o, true);
    case DATA_TYPE.UINT16:
      return (o) => view.getUint16(o, true);
    case DATA_TYPE.INT32:
      return (o) => view.getInt32(o, true);
    case DATA_TYPE.UINT32:
      return (o) => view.getUint32(o, true);
    case DATA_TYPE.INT64:
      return (o) => Number(view.getBigInt64(o, true));
    default:
      return (o) => Number(view.getBigUint64(o, true));
  }
}

/** The typed repeated field a data type is stored in when raw_data is absent (ONNX IR spec). */
function fromTyped(t: OnnxTensor, dataType: number): number[] {
  switch (dataType) {
    case DATA_TYPE.FLOAT:
      return [...t.float_data];
    case DATA_TYPE.DOUBLE:
      return [...t.double_data];
    case DATA_TYPE.INT64:
      return [...t.int64_data];
    case DATA_TYPE.UINT32:
    case DATA_TYPE.UINT64:
      return [...t.uint64_data];
    default:
      return [...t.int32_data];
  }
}
