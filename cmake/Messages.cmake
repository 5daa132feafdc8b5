# The message catalogs (po/<lang>.po, gettext): compiled by msgfmt into the build tree's
# locale/<lang>/LC_MESSAGES/ifnbackup.mo, where the binary finds them beside itself, and installed
# under share/locale (src/core/util/i18n.cpp, docs/messages.md).
find_program(IFNBACKUP_MSGFMT msgfmt REQUIRED)
set(IFNBACKUP_LANGUAGES fr)
set(IFNBACKUP_CATALOGS "")
foreach(language IN LISTS IFNBACKUP_LANGUAGES)
  set(po "${CMAKE_CURRENT_SOURCE_DIR}/po/${language}.po")
  set(mo "${CMAKE_CURRENT_BINARY_DIR}/locale/${language}/LC_MESSAGES/ifnbackup.mo")
  add_custom_command(OUTPUT "${mo}"
    COMMAND "${CMAKE_COMMAND}" -E make_directory "${CMAKE_CURRENT_BINARY_DIR}/locale/${language}/LC_MESSAGES"
    COMMAND "${IFNBACKUP_MSGFMT}" --check --output-file "${mo}" "${po}"
    DEPENDS "${po}"
    COMMENT "Compiling the ${language} message catalog"
    VERBATIM)
  list(APPEND IFNBACKUP_CATALOGS "${mo}")
  install(FILES "${mo}" DESTINATION "share/locale/${language}/LC_MESSAGES")
endforeach()
add_custom_target(ifnbackup_messages ALL DEPENDS ${IFNBACKUP_CATALOGS})
add_dependencies(ifnbackup ifnbackup_messages)
