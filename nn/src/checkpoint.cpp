#include <tapegrad/autograd/io.h>
#include <tapegrad/nn/checkpoint.h>

namespace tg {

void save(const nn::Module& module, const std::string& path, const std::map<std::string, std::string>& metadata) {
  io::TensorDict tensors;
  for (const auto& [name, t] : module.state_dict()) tensors.emplace_back(name, t.detach());
  io::save_safetensors(path, tensors, metadata);
}

nn::Module::LoadResult load(nn::Module& module, const std::string& path, bool strict) {
  io::SafetensorsFile file = io::load_safetensors(path);  // validated before anything is trusted
  nn::StateDict state(file.tensors.begin(), file.tensors.end());
  try {
    return module.load_state_dict(state, strict);
  } catch (const Error& e) {
    TG_FAIL("load {}: {}", path, e.what());
  }
}

}  // namespace tg
