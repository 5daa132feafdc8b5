# ifnbackup(1) and the bash completion are generated from the CLI11 help text by the binary itself
# after each build; `cmake --install` and CPack (DEB) install them with the systemd units (the nightly
# backup's and the weekly drill's, both left disabled) and the example config (/etc/ifnbackup.conf,
# 0600, a conffile). docs/packaging.md.

set(IFNBACKUP_MAN_PAGE "${CMAKE_CURRENT_BINARY_DIR}/ifnbackup.1")
set(IFNBACKUP_COMPLETION "${CMAKE_CURRENT_BINARY_DIR}/ifnbackup.bash-completion")
add_custom_command(TARGET ifnbackup POST_BUILD
  COMMAND sh -c "\"$1\" --help-man > \"$2\".tmp && mv \"$2\".tmp \"$2\"" sh
          "$<TARGET_FILE:ifnbackup>" "${IFNBACKUP_MAN_PAGE}"
  COMMAND sh -c "\"$1\" --help-bash-completion > \"$2\".tmp && mv \"$2\".tmp \"$2\"" sh
          "$<TARGET_FILE:ifnbackup>" "${IFNBACKUP_COMPLETION}"
  COMMENT "Generating ifnbackup.1 and the bash completion from the help text"
  VERBATIM)

set(IFNBACKUP_PACKAGING_DIR "${CMAKE_CURRENT_SOURCE_DIR}/packaging")
install(FILES "${IFNBACKUP_MAN_PAGE}" DESTINATION share/man/man1)
install(FILES "${IFNBACKUP_COMPLETION}" DESTINATION share/bash-completion/completions RENAME ifnbackup)
install(FILES "${IFNBACKUP_PACKAGING_DIR}/systemd/ifnbackup.service" "${IFNBACKUP_PACKAGING_DIR}/systemd/ifnbackup.timer"
  "${IFNBACKUP_PACKAGING_DIR}/systemd/ifnbackup-drill.service" "${IFNBACKUP_PACKAGING_DIR}/systemd/ifnbackup-drill.timer"
  "${IFNBACKUP_PACKAGING_DIR}/systemd/ifnbackup-binlog.service"
  DESTINATION lib/systemd/system)
# The config names the database and the option file with the password: owner only.
install(FILES "${IFNBACKUP_PACKAGING_DIR}/ifnbackup.conf.example" DESTINATION /etc RENAME ifnbackup.conf
  PERMISSIONS OWNER_READ OWNER_WRITE)
# The service's ReadWritePaths must exist: the default backup folder, owner only.
install(DIRECTORY DESTINATION /var/backups/ifnbackup
  DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)
# And root's signing key folder (the first backup makes the key in it): owner only.
install(DIRECTORY DESTINATION /etc/ifnbackup
  DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)

# `make install` and cpack install what is built, without first building every test suite: build the
# ifnbackup target first (it also writes the man page and the completion).
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY TRUE)

set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "ifnbackup")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "IFN Connect operations <ops@ifn-connect.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "consistent, verified logical backups of a MySQL/MariaDB/TiDB database")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # ifnbackup_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION "admin")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)   # Depends from the linked libraries (dpkg-shlibdeps)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "cron | systemd")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "mariadb-client")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA "${IFNBACKUP_PACKAGING_DIR}/debian/conffiles")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
include(CPack)
