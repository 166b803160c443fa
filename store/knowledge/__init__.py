"""Knowledge bases: parse documents, chunk, embed, index (Chroma + BM25), retrieve, erase."""
