// Tensor I/O in the safetensors format (https://github.com/huggingface/safetensors), readable by
// Python's `safetensors` and every framework that speaks it.
//
//   tg::io::save_safetensors("model.safetensors", {{"w", w}, {"b", b}}, {{"epoch", "3"}});
//   tg::io::SafetensorsFile f = tg::io::load_safetensors("model.safetensors");
//   tg::Tensor w2 = f.tensors[0].second;     // same name order as saved
//
// Layout: u64 little-endian header length N, N bytes of JSON padded with spaces to a multiple of 8,
// then the data buffer (raw little-endian, C-contiguous, dtypes F32, F64, I64, BOOL). Loading
// treats the file as untrusted: every field is validated before use and any violation throws
// tg::Error naming the file and the problem.
#pragma once

#include <tapegrad/autograd/tensor.h>

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tg::io {

// Tensors by name, in insertion order (saved and loaded in this order).
using TensorDict = std::vector<std::pair<std::string, Tensor>>;
// The file's "__metadata__": string keys to string values.
using Metadata = std::map<std::string, std::string>;

struct SafetensorsFile {
  TensorDict tensors;
  Metadata metadata;
};

// Writes atomically: temp file in the same folder, write, fsync, rename over path, fsync the folder.
// Names must be unique and not "__metadata__"; non-contiguous tensors are written contiguous.
void save_safetensors(const std::string& path, const TensorDict& tensors, const Metadata& metadata = {});
// Reads and validates a whole file; the tensors own fresh storage and do not require grad.
SafetensorsFile load_safetensors(const std::string& path);

// ---- byte-level helpers, reusable by checkpoints and other file writers ----------------------
// Replaces path with exactly `bytes`, or throws and leaves the old file (if any) untouched.
void atomic_write_file(const std::string& path, std::string_view bytes);
// The complete file contents save_safetensors writes.
std::string serialize_safetensors(const TensorDict& tensors, const Metadata& metadata = {});
// Parses and validates file contents; name_for_errors is what error messages call the file.
SafetensorsFile parse_safetensors(std::string_view bytes, const std::string& name_for_errors);

}  // namespace tg::io
