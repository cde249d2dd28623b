# Installs what running credpipe as a systemd service needs, beside the
# binary (cli/CMakeLists.txt includes this file):
#
#   <prefix>/lib/systemd/system/credpipe.service   ExecStart at <prefix>/bin/credpipe
#   <prefix>/lib/sysusers.d/credpipe.conf          the credpipe user and group
#   <prefix>/share/doc/credpipe/examples/          credpipe.yaml, drop-in examples
#
# systemd reads units and sysusers.d files under /usr/lib and /usr/local/lib
# alike, so both `cmake --install build --prefix /usr` and the default
# /usr/local work. docs/operations.md describes the steps after it.
include(GNUInstallDirs)

set(CP_DEPLOY_DIR ${PROJECT_SOURCE_DIR}/deploy)
set(CP_UNIT_OUT ${CMAKE_CURRENT_BINARY_DIR}/credpipe.service)

# The unit names /usr/bin/credpipe; the installed copy names the binary at
# the prefix given at install time (which may differ from the configured one).
install(CODE "
  file(READ \"${CP_DEPLOY_DIR}/systemd/credpipe.service\" cp_unit)
  string(REPLACE \"ExecStart=/usr/bin/credpipe \"
         \"ExecStart=\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/credpipe \"
         cp_unit \"\${cp_unit}\")
  file(WRITE \"${CP_UNIT_OUT}\" \"\${cp_unit}\")
")
install(FILES ${CP_UNIT_OUT} DESTINATION lib/systemd/system)
install(FILES ${CP_DEPLOY_DIR}/systemd/credpipe.sysusers
        DESTINATION lib/sysusers.d RENAME credpipe.conf)
install(FILES ${CP_DEPLOY_DIR}/systemd/credpipe.yaml
              ${CP_DEPLOY_DIR}/systemd/credpipe.service.d/spool.conf.example
              ${CP_DEPLOY_DIR}/systemd/credpipe.service.d/pseudonym-key.conf.example
              ${CP_DEPLOY_DIR}/systemd/credpipe.service.d/network.conf.example
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
