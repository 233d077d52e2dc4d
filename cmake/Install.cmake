# `cmake --install`: the rerank tool, librerank.so, include/rerank/, a CMake package
# (find_package(rerank) -> rerank::rerank) and a pkg-config file. Only include/ is public;
# the layers' headers under src/ are never installed.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS rerank EXPORT rerankTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS rerank_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/rerank DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.hpp")

set(RERANK_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/rerank)
install(EXPORT rerankTargets NAMESPACE rerank:: DESTINATION ${RERANK_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/rerankConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/rerankConfig.cmake INSTALL_DESTINATION ${RERANK_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/rerankConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/rerankConfig.cmake ${PROJECT_BINARY_DIR}/rerankConfigVersion.cmake
        DESTINATION ${RERANK_CMAKE_DIR})

# Relocatable: the prefix is found from the .pc file's own folder, so `cmake --install
# --prefix DIR` needs no reconfigure.
file(RELATIVE_PATH RERANK_PC_TO_PREFIX /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
configure_file(${PROJECT_SOURCE_DIR}/cmake/rerank.pc.in ${PROJECT_BINARY_DIR}/rerank.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/rerank.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
