# Install and package (issue 12.5): `cmake --install` puts bin/rwkvq, the man page, the bash/zsh/fish
# completions, the schemas and the docs in the usual places; `cpack -G DEB` builds a .deb whose
# dependencies come from the shared libraries rwkvq links (dpkg-shlibdeps; with RWKVQ_STATIC, those of
# libexec/rwkvq/rwkvq-shared, bin/rwkvq being static), plus libgit2 and libcurl
# as Recommends: rwkvq loads those two with dlopen only for --pr, --online and the runner commands,
# and says so when they are missing, so they are not hard dependencies.
include(GNUInstallDirs)

# The man page and the completions are written by the binary itself from its command tree
# (src/cli/completion.cpp), so they always match the options it takes.
set(RWKVQ_GEN_DIR ${CMAKE_BINARY_DIR}/generated)
add_custom_command(
  OUTPUT ${RWKVQ_GEN_DIR}/rwkvq.1 ${RWKVQ_GEN_DIR}/rwkvq.bash ${RWKVQ_GEN_DIR}/_rwkvq ${RWKVQ_GEN_DIR}/rwkvq.fish
  COMMAND ${CMAKE_COMMAND} -E make_directory ${RWKVQ_GEN_DIR}
  COMMAND $<TARGET_FILE:rwkvq> man > ${RWKVQ_GEN_DIR}/rwkvq.1
  COMMAND $<TARGET_FILE:rwkvq> completion bash > ${RWKVQ_GEN_DIR}/rwkvq.bash
  COMMAND $<TARGET_FILE:rwkvq> completion zsh > ${RWKVQ_GEN_DIR}/_rwkvq
  COMMAND $<TARGET_FILE:rwkvq> completion fish > ${RWKVQ_GEN_DIR}/rwkvq.fish
  DEPENDS rwkvq
  COMMENT "Writing the man page and the shell completions"
  VERBATIM)
add_custom_target(rwkvq_generated ALL DEPENDS ${RWKVQ_GEN_DIR}/rwkvq.1 ${RWKVQ_GEN_DIR}/rwkvq.bash
                                            ${RWKVQ_GEN_DIR}/_rwkvq ${RWKVQ_GEN_DIR}/rwkvq.fish)

install(TARGETS rwkvq RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(RWKVQ_STATIC)  # the dynamic program the static rwkvq hands libgit2/libcurl commands to (cli/handover.h)
  install(TARGETS rwkvq-shared RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/rwkvq)
endif()
install(FILES ${RWKVQ_GEN_DIR}/rwkvq.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${RWKVQ_GEN_DIR}/rwkvq.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME rwkvq)
install(FILES ${RWKVQ_GEN_DIR}/_rwkvq DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
install(FILES ${RWKVQ_GEN_DIR}/rwkvq.fish DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/schemas/ DESTINATION ${CMAKE_INSTALL_DATADIR}/rwkvq/schemas
        FILES_MATCHING PATTERN "*.json")
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${CMAKE_SOURCE_DIR}/LICENSE ${CMAKE_SOURCE_DIR}/examples/rwkvq.yaml
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_PACKAGE_NAME rwkvq)
set(CPACK_PACKAGE_VENDOR "RWKV community training programme")
set(CPACK_PACKAGE_CONTACT "rwkvq maintainers <rwkvq@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "vet RWKV community training requests, estimate them, keep the queue")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_RESOURCE_FILE_LICENSE ${CMAKE_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_STRIP_FILES ON)  # the build keeps its debug info; the package does not need it
string(REGEX MATCH "^[0-9]+\\.[0-9]+" RWKVQ_LIBGIT2_SERIES "${LIBGIT2_VERSION}")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libgit2-${RWKVQ_LIBGIT2_SERIES}, libcurl4 | libcurl3-gnutls")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/RWKV/RWKV-infctx-trainer")
include(CPack)
