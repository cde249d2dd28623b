# Writes a C file holding the bytes of a data file, so that the data stays
# one file (data/) and the binary needs nothing installed beside it.
#   cmake -DIN=file -DOUT=file.c -DNAME=symbol -P embed.cmake
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" n)
math(EXPR len "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE ${OUT} "/* Generated from ${NAME}'s data file by embed.cmake: do not edit. */\n"
     "#include <stddef.h>\n"
     "const unsigned char ${NAME}[] = {${bytes} 0x00};\n"
     "const size_t ${NAME}_len = ${len};\n")
