// SPDX-License-Identifier: Apache-2.0
#include "core/file_util.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace npukit {

Expected<std::string> read_file(const std::string& path, size_t max_bytes) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return make_error(ErrorCode::kNotFound, "file not found: ", path);
  if (std::filesystem::is_directory(path, ec)) return make_error(ErrorCode::kIoError, path, " is a directory");
  auto size = std::filesystem::file_size(path, ec);
  if (ec) return make_error(ErrorCode::kIoError, "cannot stat ", path, ": ", ec.message());
  if (size > max_bytes)
    return make_error(ErrorCode::kOutOfRange, path, " is ", size, " bytes, more than the limit ", max_bytes);
  std::ifstream f(path, std::ios::binary);
  if (!f) return make_error(ErrorCode::kIoError, "cannot open ", path, ": ", std::strerror(errno));
  std::string data(size, '\0');
  f.read(data.data(), static_cast<std::streamsize>(size));
  if (static_cast<size_t>(f.gcount()) != size) return make_error(ErrorCode::kIoError, "short read from ", path);
  return data;
}

Status atomic_write_file(const std::string& path, const std::string& data) {
  std::error_code ec;
  std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  if (ec) return make_error(ErrorCode::kIoError, "cannot create folder ", p.parent_path().string(), ": ", ec.message());
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return make_error(ErrorCode::kIoError, "cannot write ", tmp, ": ", std::strerror(errno));
  size_t off = 0;
  while (off < data.size()) {
    ssize_t w = ::write(fd, data.data() + off, data.size() - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return make_error(ErrorCode::kIoError, "write to ", tmp, " failed: ", std::strerror(e));
    }
    off += static_cast<size_t>(w);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return make_error(ErrorCode::kIoError, "cannot flush ", tmp, ": ", std::strerror(errno));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return make_error(ErrorCode::kIoError, "cannot rename ", tmp, " to ", path, ": ", std::strerror(e));
  }
  return Status::Ok();
}

std::string dir_name(const std::string& path) {
  auto p = std::filesystem::path(path).parent_path().string();
  return p.empty() ? "." : p;
}

std::string base_name(const std::string& path) {
  return std::filesystem::path(path).filename().string();
}

}  // namespace npukit
