// Model checkpoints: a module's state_dict as one safetensors file, written atomically.
//
//   tg::save(*model, "model.safetensors");
//   tg::load(*model, "model.safetensors");          // strict: names and shapes must match
//
// The file opens with Python's safetensors / PyTorch (safetensors.torch.load_file) and a file
// written there loads here, provided the names match (named_parameters() dotted names).
#pragma once

#include <tapegrad/nn/module.h>

#include <map>
#include <string>

namespace tg {

// Writes parameters and buffers (temp file in the same folder, fsync, rename).
void save(const nn::Module& module, const std::string& path, const std::map<std::string, std::string>& metadata = {});

// Reads and validates the whole file, then copies values in. strict=false skips missing and
// unexpected keys and returns them. Any problem is a tg::Error naming the file.
nn::Module::LoadResult load(nn::Module& module, const std::string& path, bool strict = true);

}  // namespace tg
