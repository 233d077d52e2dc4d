if(RERANK_SANITIZE)
  # ASan + UBSan for the whole build; halt on UB so tests fail instead of printing.
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
