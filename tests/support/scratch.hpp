#pragma once

// Files a test may write: a folder of this test process's own, removed when it exits.

#include <filesystem>
#include <string_view>

namespace feel::test {

// A path no other call of this process gets: <the process's folder>/<n>-<name>. Nothing is
// created at it.
[[nodiscard]] std::filesystem::path scratch_path(std::string_view name);

}  // namespace feel::test
