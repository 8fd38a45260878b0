//! Personal data at rest: ID numbers and phones are stored encrypted (AES-256-GCM, a fresh
//! nonce per value) beside a keyed hash (HMAC-SHA256) for exact lookup, and a masked copy for
//! lists. Both keys derive from one 32-byte secret from configuration (`--registry-key`, or
//! `DATA_DIR/registry.key` created on first use); without it nothing stored can be read.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::fmt;

/// Why a secret could not be used.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("登记库密钥应为 64 位十六进制字符（32 字节）")]
    BadKey,
    #[error("加密数据无法解密：密钥不符或数据损坏")]
    Undecryptable,
}

/// The registry's keys. Cheap to clone.
#[derive(Clone)]
pub struct Vault {
    cipher: Aes256Gcm,
    mac_key: [u8; 32],
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Vault(…)")
    }
}

impl Vault {
    /// From the configured secret, 64 hex characters.
    pub fn from_hex(hex_key: &str) -> Result<Self, VaultError> {
        let bytes = hex::decode(hex_key.trim()).map_err(|_| VaultError::BadKey)?;
        let secret: [u8; 32] = bytes.try_into().map_err(|_| VaultError::BadKey)?;
        Ok(Self::from_secret(&secret))
    }

    /// A new random secret as hex, for `registry.key`.
    pub fn generate_hex() -> String {
        let mut secret = [0u8; 32];
        rand::rng().fill_bytes(&mut secret);
        hex::encode(secret)
    }

    fn from_secret(secret: &[u8; 32]) -> Self {
        let derive = |label: &[u8]| -> [u8; 32] {
            let mut m = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("any key length");
            m.update(label);
            m.finalize().into_bytes().into()
        };
        let enc = derive(b"zhili registry encryption v1");
        Self {
            cipher: Aes256Gcm::new(&enc.into()),
            mac_key: derive(b"zhili registry lookup v1"),
        }
    }

    /// `nonce ‖ ciphertext`, as stored in the registry's BLOB/BYTEA columns.
    pub fn seal(&self, plain: &str) -> Vec<u8> {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let ct = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
            .expect("AES-GCM encryption of a short value cannot fail");
        let mut out = Vec::with_capacity(12 + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    /// The plain text of what [`Vault::seal`] wrote.
    pub fn open(&self, sealed: &[u8]) -> Result<String, VaultError> {
        if sealed.len() < 12 + 16 {
            return Err(VaultError::Undecryptable);
        }
        let (nonce, ct) = sealed.split_at(12);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), ct)
            .map_err(|_| VaultError::Undecryptable)?;
        String::from_utf8(plain).map_err(|_| VaultError::Undecryptable)
    }

    /// [`Vault::seal`] as hex, for secrets kept in text columns (webhook secrets).
    pub fn encrypt(&self, plain: &str) -> String {
        hex::encode(self.seal(plain))
    }

    pub fn decrypt(&self, stored: &str) -> Result<String, VaultError> {
        let bytes = hex::decode(stored).map_err(|_| VaultError::Undecryptable)?;
        self.open(&bytes)
    }

    /// The keyed hash used to find a value without decrypting every row: the first 16 bytes
    /// of HMAC-SHA256, stored as 16 raw bytes (half the index of its hex form).
    pub fn lookup_hash(&self, plain: &str) -> Vec<u8> {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&self.mac_key).expect("32-byte key");
        m.update(plain.as_bytes());
        m.finalize().into_bytes()[..16].to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_hash_stably_but_never_appear_in_the_clear() {
        let v = Vault::from_hex(&Vault::generate_hex()).unwrap();
        let id = "37060219900215122X";
        let a = v.encrypt(id);
        let b = v.encrypt(id);
        assert_ne!(a, b, "a fresh nonce per value");
        assert!(!a.contains("370602"));
        assert_eq!(v.decrypt(&a).unwrap(), id);
        assert_eq!(v.lookup_hash(id), v.lookup_hash(id));
        let other = Vault::from_hex(&Vault::generate_hex()).unwrap();
        assert!(other.decrypt(&a).is_err(), "another key reads nothing");
        assert_ne!(other.lookup_hash(id), v.lookup_hash(id));
        assert_eq!(v.lookup_hash(id).len(), 16);
        let sealed = v.seal(id);
        assert_eq!(sealed.len(), 12 + id.len() + 16, "nonce, ciphertext, tag");
        assert!(!sealed.windows(6).any(|w| w == b"370602"));
        assert_eq!(v.open(&sealed).unwrap(), id);
        assert!(v.open(&sealed[..20]).is_err(), "a cut value is refused");
        assert!(Vault::from_hex("abc").is_err());
    }
}
