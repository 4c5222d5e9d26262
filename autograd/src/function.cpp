#include <tapegrad/autograd/function.h>

#include <cxxabi.h>

#include <cstdlib>
#include <memory>

namespace tg::autograd::detail {

std::string demangle(const char* name) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> out(abi::__cxa_demangle(name, nullptr, nullptr, &status), std::free);
  return status == 0 && out ? std::string(out.get()) : std::string(name);
}

}  // namespace tg::autograd::detail
