// SPDX-License-Identifier: Apache-2.0
#include "core/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "core/log.h"

namespace npukit {
namespace {
std::atomic<bool> g_enabled{true};
}  // namespace

void Progress::set_globally_enabled(bool on) {
  g_enabled = on;
}

Progress::Progress(std::string label, int64_t total, bool enabled)
    : label_(std::move(label)),
      total_(std::max<int64_t>(total, 0)),
      tty_(isatty(STDERR_FILENO) != 0),
      enabled_(enabled && g_enabled.load()),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {
  log::write(log::Level::kInfo, str_cat(label_, ": started (", total_, " items)"), /*console=*/false);
}

Progress::~Progress() {
  finish();
}

double Progress::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::advance(int64_t n) {
  const int64_t done = done_.fetch_add(n) + n;
  if (!enabled_) return;
  std::lock_guard<std::mutex> g(mu_);
  if (finished_) return;
  draw(done, false);
}

void Progress::draw(int64_t done, bool final) {
  const double secs = elapsed_seconds();
  const double frac = total_ > 0 ? std::min(1.0, static_cast<double>(done) / total_) : 1.0;
  if (tty_) {
    auto now = std::chrono::steady_clock::now();
    if (!final && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    constexpr int kWidth = 30;
    const int fill = static_cast<int>(frac * kWidth);
    std::string bar(fill, '#');
    bar.append(kWidth - fill, '.');
    char eta[48] = "";
    if (!final && done > 0 && frac < 1.0) std::snprintf(eta, sizeof eta, "  ETA %.1f s", secs / frac - secs);
    std::fprintf(stderr, "\r%s  [%s]  %lld/%lld  %.1f s%s\033[K", label_.c_str(), bar.c_str(),
                 static_cast<long long>(done), static_cast<long long>(total_), secs, eta);
    if (final) std::fputc('\n', stderr);
    std::fflush(stderr);
    return;
  }
  const int decile = static_cast<int>(frac * 10);
  if (decile == last_decile_ && !final) return;
  if (final && decile == last_decile_) return;
  last_decile_ = decile;
  std::fprintf(stderr, "%s: %lld/%lld (%d%%) %.1f s\n", label_.c_str(), static_cast<long long>(done),
               static_cast<long long>(total_), static_cast<int>(frac * 100.0), secs);
}

void Progress::finish() {
  {
    std::lock_guard<std::mutex> g(mu_);
    if (finished_) return;
    finished_ = true;
    if (enabled_) draw(done_.load(), true);
  }
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.2f", elapsed_seconds());
  log::write(log::Level::kInfo, str_cat(label_, ": done ", done_.load(), "/", total_, " in ", secs, " s"),
             /*console=*/false);
}

}  // namespace npukit
