//! Distribution files: filenames, metadata, hashes.
