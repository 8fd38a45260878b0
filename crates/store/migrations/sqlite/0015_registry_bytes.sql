-- Residents' ciphertexts and keyed hashes as bytes instead of hex text: half the size on disk
-- and in the two hash indexes, which is what a city-sized import spends its time updating.
-- SQLite keeps the declared TEXT type (changing it means rebuilding a table other tables
-- reference); a TEXT column stores BLOB values as they are, and every value is now a BLOB.
UPDATE residents SET
    name_enc = unhex(name_enc),
    id_enc = unhex(id_enc),
    id_hash = unhex(id_hash),
    phone_enc = unhex(phone_enc),
    phone_hash = unhex(phone_hash);
