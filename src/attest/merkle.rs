//! RFC 6962 / RFC 9162 Merkle tree hashing and inclusion proofs, as Rekor v1 uses them.

use sha2::{Digest, Sha256};

/// Why an inclusion proof does not lead to a root.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MerkleError {
    #[error("leaf index {index} is not inside a tree of size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error(
        "the proof has {got} hashes; a leaf at index {index} of a tree of size {size} needs {want}"
    )]
    WrongLength {
        index: u64,
        size: u64,
        got: usize,
        want: usize,
    },
}

/// The hash of a leaf: sha256(0x00 || data).
pub fn leaf_hash(data: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// The hash of an inner node: sha256(0x01 || left || right).
pub fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root an inclusion proof leads to from `leaf` at `index` in a tree of `size` leaves
/// (RFC 9162 §2.1.3.2). The proof length must be exactly what the tree shape demands.
pub fn root_from_proof(
    index: u64,
    size: u64,
    leaf: [u8; 32],
    proof: &[[u8; 32]],
) -> Result<[u8; 32], MerkleError> {
    if index >= size {
        return Err(MerkleError::IndexOutOfRange { index, size });
    }
    let want = proof_length(index, size);
    if proof.len() != want {
        return Err(MerkleError::WrongLength {
            index,
            size,
            got: proof.len(),
            want,
        });
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut root = leaf;
    for sibling in proof {
        if fnode & 1 == 1 || fnode == snode {
            root = node_hash(sibling, &root);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            root = node_hash(&root, sibling);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    Ok(root)
}

/// How many hashes an inclusion proof for `index` in a tree of `size` has: the bits below the
/// point where the paths to `index` and to the last leaf split, plus the levels above it.
fn proof_length(index: u64, size: u64) -> usize {
    let last = size - 1;
    let inner = (64 - (index ^ last).leading_zeros()) as usize;
    let border = (index >> inner).count_ones() as usize;
    inner + border
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// RFC 6962 MTH, computed directly.
    pub fn naive_root(leaves: &[[u8; 32]]) -> [u8; 32] {
        if leaves.len() == 1 {
            return leaves[0];
        }
        let k = leaves.len().next_power_of_two() / 2;
        let k = if k == leaves.len() { k / 2 } else { k };
        node_hash(&naive_root(&leaves[..k]), &naive_root(&leaves[k..]))
    }

    /// RFC 6962 PATH(m, D[n]), computed directly.
    pub fn naive_path(m: usize, leaves: &[[u8; 32]]) -> Vec<[u8; 32]> {
        if leaves.len() == 1 {
            return vec![];
        }
        let k = leaves.len().next_power_of_two() / 2;
        let k = if k == leaves.len() { k / 2 } else { k };
        if m < k {
            let mut p = naive_path(m, &leaves[..k]);
            p.push(naive_root(&leaves[k..]));
            p
        } else {
            let mut p = naive_path(m - k, &leaves[k..]);
            p.push(naive_root(&leaves[..k]));
            p
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    fn leaves(n: usize) -> Vec<[u8; 32]> {
        (0..n)
            .map(|i| leaf_hash(format!("leaf {i}").as_bytes()))
            .collect()
    }

    #[test]
    fn every_leaf_of_trees_1_to_17_proves_to_the_root() {
        for size in 1..=17usize {
            let ls = leaves(size);
            let root = naive_root(&ls);
            for index in 0..size {
                let path = naive_path(index, &ls);
                let got = root_from_proof(index as u64, size as u64, ls[index], &path).unwrap();
                assert_eq!(got, root, "size {size} index {index}");
            }
        }
    }

    #[test]
    fn a_tampered_proof_or_leaf_leads_elsewhere() {
        let ls = leaves(7);
        let root = naive_root(&ls);
        let mut path = naive_path(3, &ls);
        path[1][0] ^= 1;
        assert_ne!(root_from_proof(3, 7, ls[3], &path).unwrap(), root);
        let path = naive_path(3, &ls);
        assert_ne!(root_from_proof(3, 7, ls[4], &path).unwrap(), root);
        // The right proof at the wrong index does not prove either.
        assert_ne!(root_from_proof(2, 7, ls[3], &path).unwrap_or([0; 32]), root);
    }

    #[test]
    fn wrong_lengths_and_indices_are_refused() {
        let ls = leaves(5);
        let mut path = naive_path(1, &ls);
        assert_eq!(
            root_from_proof(5, 5, ls[0], &path),
            Err(MerkleError::IndexOutOfRange { index: 5, size: 5 })
        );
        path.push([0; 32]);
        assert!(matches!(
            root_from_proof(1, 5, ls[1], &path),
            Err(MerkleError::WrongLength {
                got: 4,
                want: 3,
                ..
            })
        ));
        path.truncate(1);
        assert!(matches!(
            root_from_proof(1, 5, ls[1], &path),
            Err(MerkleError::WrongLength { .. })
        ));
        assert!(root_from_proof(0, 1, ls[0], &[]).is_ok());
        assert!(root_from_proof(0, 0, ls[0], &[]).is_err());
    }
}
