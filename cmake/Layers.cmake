# rerank_layer(NAME DIR DEPS ... [SYSTEM_INCLUDES ...]): one static library per architecture layer, built from
# every .cpp under src/DIR. Linking only to lower layers keeps the dependency arrows one way.
function(rerank_layer name dir)
  cmake_parse_arguments(L "" "" "DEPS;SYSTEM_INCLUDES" ${ARGN})
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${dir}/*.cpp)
  # Optional backends (src/engine/cuda/) are added by their own cmake file when enabled.
  list(FILTER srcs EXCLUDE REGEX "/src/${dir}/(.*/)?cuda/")
  if(srcs)
    add_library(${name} STATIC ${srcs})
    # src/ is a build-only include path: layers are never installed, only the shared
    # library made of them (src/library/), whose users see include/ alone.
    target_include_directories(${name} PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
                                              $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/src>)
    target_link_libraries(${name} PUBLIC ${L_DEPS})
    target_compile_options(${name} PRIVATE "$<$<COMPILE_LANGUAGE:CXX>:${RERANK_WARNINGS}>")
    if(L_SYSTEM_INCLUDES)
      target_include_directories(${name} SYSTEM PUBLIC ${L_SYSTEM_INCLUDES})
    endif()
  else()
    add_library(${name} INTERFACE)
    target_include_directories(${name} INTERFACE $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
                                                 $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/src>)
    target_link_libraries(${name} INTERFACE ${L_DEPS})
    if(L_SYSTEM_INCLUDES)
      target_include_directories(${name} SYSTEM INTERFACE ${L_SYSTEM_INCLUDES})
    endif()
  endif()
endfunction()
