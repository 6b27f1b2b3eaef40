# SPDX-License-Identifier: Apache-2.0
# Generated C++ classes for src/frontend/caffe.proto (the Caffe importer's subset of caffe.proto).
# Full libprotobuf (not lite): the importer parses text prototxt with google::protobuf::TextFormat.
set(NPUKIT_CAFFE_PROTO_OUT ${CMAKE_CURRENT_BINARY_DIR}/caffe_proto)
set(NPUKIT_CAFFE_PROTO_SRC ${CMAKE_CURRENT_LIST_DIR}/caffe.proto)
add_custom_command(
  OUTPUT ${NPUKIT_CAFFE_PROTO_OUT}/frontend/caffe.pb.cc ${NPUKIT_CAFFE_PROTO_OUT}/frontend/caffe.pb.h
  COMMAND ${CMAKE_COMMAND} -E make_directory ${NPUKIT_CAFFE_PROTO_OUT}/frontend
  COMMAND ${Protobuf_PROTOC_EXECUTABLE} --cpp_out=${NPUKIT_CAFFE_PROTO_OUT}/frontend -I ${CMAKE_CURRENT_LIST_DIR}
          ${NPUKIT_CAFFE_PROTO_SRC}
  DEPENDS ${NPUKIT_CAFFE_PROTO_SRC}
  COMMENT "protoc caffe.proto"
  VERBATIM)
add_library(npukit_caffe_proto STATIC ${NPUKIT_CAFFE_PROTO_OUT}/frontend/caffe.pb.cc)
# Generated code is not ours to warn about.
target_compile_options(npukit_caffe_proto PRIVATE -w)
# Consumers include "frontend/caffe.pb.h" (the frontend and the Caffe importer's tests).
target_include_directories(npukit_caffe_proto PUBLIC ${NPUKIT_CAFFE_PROTO_OUT})
target_link_libraries(npukit_caffe_proto PUBLIC protobuf::libprotobuf)
