#include "support/scratch.hpp"

#include <stdlib.h>

#include <atomic>
#include <stdexcept>
#include <string>

namespace feel::test {
namespace {

class ScratchFolder {
 public:
  ScratchFolder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "feel-again-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~ScratchFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace

std::filesystem::path scratch_path(std::string_view name) {
  static const ScratchFolder folder;
  static std::atomic<int> counter{0};
  return folder.path() / (std::to_string(++counter) + "-" + std::string(name));
}

}  // namespace feel::test
