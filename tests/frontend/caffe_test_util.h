// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the Caffe import tests (caffe_import*_test.cpp): deterministic values, the caffemodel side
// built with the generated caffe.pb.h classes (Weights), import + run through the reference interpreter, a
// float comparison, the reference loops that follow Caffe's formulas (convolution, pooling), and the small
// deploy net used by the end-to-end and corruption tests.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "frontend/caffe.pb.h"
#include "frontend/caffe_import.h"
#include "interp/interpreter.h"

namespace npukit::frontend::caffe_test {

using ::testing::HasSubstr;

// Deterministic values in [-1, 1).
inline std::vector<float> random_values(int64_t n, uint32_t seed) {
  std::vector<float> v(static_cast<size_t>(n));
  uint32_t s = seed * 2654435761u + 12345u;
  for (auto& x : v) {
    s = s * 1664525u + 1013904223u;
    x = static_cast<float>((s >> 8) & 0xFFFF) / 32768.f - 1.f;
  }
  return v;
}

inline int64_t count(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

/// The caffemodel side: layers with blobs, by name.
struct Weights {
  caffe::NetParameter net;
  /// Adds a blob (BlobShape form) to layer `name`, returns its values.
  std::vector<float> add(const std::string& name, const Shape& shape, std::vector<float> values = {}) {
    caffe::LayerParameter* l = nullptr;
    for (auto& x : *net.mutable_layer())
      if (x.name() == name) l = &x;
    if (!l) {
      l = net.add_layer();
      l->set_name(name);
    }
    if (values.empty()) values = random_values(count(shape), static_cast<uint32_t>(net.ByteSizeLong() + 7));
    caffe::BlobProto* b = l->add_blobs();
    for (int64_t d : shape) b->mutable_shape()->add_dim(d);
    for (float f : values) b->add_data(f);
    return values;
  }
  std::string bytes() const { return net.SerializeAsString(); }
};

inline Expected<ir::Model> import(const std::string& prototxt, const Weights& w) {
  return parse_caffe(prototxt, "net.prototxt", w.bytes(), "net.caffemodel");
}

/// Imports, resolves and runs with the given named inputs; returns outputs by name.
inline std::map<std::string, Tensor> run(const std::string& prototxt, const Weights& w,
                                         const std::map<std::string, Tensor>& inputs, ir::Model* keep = nullptr) {
  auto m = import(prototxt, w);
  EXPECT_TRUE(m.ok()) << m.status().to_string();
  if (!m.ok()) return {};
  Status s = interp::resolve(*m);
  EXPECT_TRUE(s.ok()) << s.to_string();
  interp::Interpreter in(m->graph);
  auto outs = in.run(inputs);
  EXPECT_TRUE(outs.ok()) << outs.status().to_string();
  std::map<std::string, Tensor> r;
  if (!outs.ok()) return r;
  for (size_t i = 0; i < outs->size(); ++i) r[m->graph.outputs()[i]->name()] = (*outs)[i];
  if (keep) *keep = std::move(*m);
  return r;
}

inline Tensor make(const Shape& s, const std::vector<float>& v) {
  return Tensor::from_vector<float>(v, s);
}

// Float tolerance: the interpreter accumulates in a different order (and LRN/BatchNorm use a few more
// float operations) than the loops here; 1e-4 relative to the magnitude is far above that rounding noise
// and far below any semantic error (wrong pad, window or divisor changes values by > 1e-2).
inline void expect_near(const Tensor& got, const Shape& shape, const std::vector<float>& want, float tol = 1e-4f) {
  ASSERT_EQ(got.shape(), shape);
  ASSERT_EQ(got.numel(), static_cast<int64_t>(want.size()));
  for (size_t i = 0; i < want.size(); ++i)
    ASSERT_NEAR(got.data<float>()[i], want[i], tol * std::max(1.f, std::fabs(want[i]))) << "at " << i;
}

inline std::vector<std::string> op_types(const ir::Model& m) {
  std::vector<std::string> r;
  for (const ir::Node* n : m.graph.nodes()) r.push_back(n->op_type());
  return r;
}

// ---------------------------------------------------------------------------------------------
// Reference loops (Caffe's formulas)
// ---------------------------------------------------------------------------------------------

struct ConvGeom {
  int64_t n, c, h, w, cout, kh, kw, sh, sw, ph, pw, dh, dw, group;
  int64_t oh() const { return (h + 2 * ph - (dh * (kh - 1) + 1)) / sh + 1; }
  int64_t ow() const { return (w + 2 * pw - (dw * (kw - 1) + 1)) / sw + 1; }
};

inline std::vector<float> ref_conv(const ConvGeom& g, const std::vector<float>& x, const std::vector<float>& wt,
                                   const std::vector<float>* bias) {
  const int64_t oh = g.oh(), ow = g.ow(), cin_g = g.c / g.group, cout_g = g.cout / g.group;
  std::vector<float> y(static_cast<size_t>(g.n * g.cout * oh * ow));
  for (int64_t n = 0; n < g.n; ++n)
    for (int64_t o = 0; o < g.cout; ++o)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          double acc = bias ? (*bias)[o] : 0.0;
          const int64_t grp = o / cout_g;
          for (int64_t ci = 0; ci < cin_g; ++ci)
            for (int64_t a = 0; a < g.kh; ++a)
              for (int64_t b = 0; b < g.kw; ++b) {
                const int64_t hi = i * g.sh - g.ph + a * g.dh, wi = j * g.sw - g.pw + b * g.dw;
                if (hi < 0 || hi >= g.h || wi < 0 || wi >= g.w) continue;
                const int64_t c = grp * cin_g + ci;
                acc += x[((n * g.c + c) * g.h + hi) * g.w + wi] * wt[((o * cin_g + ci) * g.kh + a) * g.kw + b];
              }
          y[((n * g.cout + o) * oh + i) * ow + j] = static_cast<float>(acc);
        }
  return y;
}

// Caffe's PoolingLayer::Forward_cpu (round_mode CEIL), literally: out size with the pad-only clip rule,
// MAX over the clipped window, AVE divided by the window clipped to [-pad, in + pad).
struct PoolResult {
  int64_t oh = 0, ow = 0;
  std::vector<float> y;
  bool window_outside = false;  ///< some window reads no input (Caffe's garbage case)
};
inline PoolResult caffe_pool(bool is_max, int64_t n, int64_t c, int64_t h, int64_t w, int64_t k, int64_t s, int64_t p,
                             const std::vector<float>& x) {
  PoolResult r;
  r.oh = static_cast<int64_t>(std::ceil(static_cast<float>(h + 2 * p - k) / s)) + 1;
  r.ow = static_cast<int64_t>(std::ceil(static_cast<float>(w + 2 * p - k) / s)) + 1;
  if (p) {
    if ((r.oh - 1) * s >= h + p) --r.oh;
    if ((r.ow - 1) * s >= w + p) --r.ow;
  }
  r.y.assign(static_cast<size_t>(n * c * r.oh * r.ow), 0.f);
  for (int64_t pl = 0; pl < n * c; ++pl)
    for (int64_t i = 0; i < r.oh; ++i)
      for (int64_t j = 0; j < r.ow; ++j) {
        int64_t hs = i * s - p, ws = j * s - p;
        int64_t he = std::min(hs + k, h + p), we = std::min(ws + k, w + p);
        const int64_t pool_size = (he - hs) * (we - ws);
        hs = std::max<int64_t>(hs, 0);
        ws = std::max<int64_t>(ws, 0);
        he = std::min(he, h);
        we = std::min(we, w);
        if (hs >= he || ws >= we) r.window_outside = true;
        float m = -3.4e38f;
        double sum = 0;
        for (int64_t a = hs; a < he; ++a)
          for (int64_t b = ws; b < we; ++b) {
            const float v = x[(pl * h + a) * w + b];
            m = std::max(m, v);
            sum += v;
          }
        r.y[(pl * r.oh + i) * r.ow + j] = is_max ? m : static_cast<float>(sum / pool_size);
      }
  return r;
}

// A small classifier in the usual deploy style (in-place BN/Scale/ReLU, ceil pooling, IP, Softmax),
// checked end to end against the reference loops, also with a different batch via --input-shape.
inline const char* kSmallNet = R"(
name: "small"
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 2 dim: 6 dim: 6 } } }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
        convolution_param { num_output: 4 kernel_size: 3 pad: 1 bias_term: false } }
layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1" }
layer { name: "scale1" type: "Scale" bottom: "conv1" top: "conv1" scale_param { bias_term: true } }
layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1" pooling_param { pool: MAX kernel_size: 3 stride: 2 } }
layer { name: "fc" type: "InnerProduct" bottom: "pool1" top: "fc" inner_product_param { num_output: 3 } }
layer { name: "prob" type: "Softmax" bottom: "fc" top: "prob" }
)";

}  // namespace npukit::frontend::caffe_test
