//! The values an index is computed from: one row per unit, one column per key (a data file
//! column, an imported figure or a platform metric), plus last period's values for `change`.

use std::collections::HashMap;

/// A table of values per unit per key. Keys are the indicators' source keys
/// ([`super::Source::key`]), rate denominators and the population column.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    units: Vec<String>,
    index: HashMap<String, usize>,
    current: HashMap<String, Vec<Option<f64>>>,
    previous: HashMap<String, Vec<Option<f64>>>,
}

/// A unit named twice.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("单位 `{0}` 出现了两次 / unit appears twice")]
pub struct DuplicateUnit(pub String);

impl Inputs {
    /// A table with these units and no values yet.
    pub fn new<I, S>(units: I) -> Result<Self, DuplicateUnit>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut inputs = Inputs::default();
        for u in units {
            let u: String = u.into();
            if inputs.index.insert(u.clone(), inputs.units.len()).is_some() {
                return Err(DuplicateUnit(u));
            }
            inputs.units.push(u);
        }
        Ok(inputs)
    }

    pub fn units(&self) -> &[String] {
        &self.units
    }

    pub fn len(&self) -> usize {
        self.units.len()
    }

    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }

    /// Sets one value; false when the unit is unknown.
    pub fn set(&mut self, unit: &str, key: &str, value: Option<f64>) -> bool {
        set_in(
            &mut self.current,
            &self.index,
            self.units.len(),
            unit,
            key,
            value,
        )
    }

    /// Sets last period's value of a key for a unit (used by the `change` transform).
    pub fn set_previous(&mut self, unit: &str, key: &str, value: Option<f64>) -> bool {
        set_in(
            &mut self.previous,
            &self.index,
            self.units.len(),
            unit,
            key,
            value,
        )
    }

    /// Sets a whole column, in the order of [`Inputs::units`]; a short column is padded
    /// with missing values, a long one cut.
    pub fn set_column(&mut self, key: &str, mut values: Vec<Option<f64>>) {
        values.resize(self.units.len(), None);
        for v in values.iter_mut() {
            if v.is_some_and(|x| !x.is_finite()) {
                *v = None;
            }
        }
        self.current.insert(key.to_owned(), values);
    }

    /// The value of `key` for the unit at `unit` (position in [`Inputs::units`]).
    pub fn get(&self, unit: usize, key: &str) -> Option<f64> {
        self.current.get(key)?.get(unit).copied().flatten()
    }

    /// Last period's value of `key` for the unit at `unit`.
    pub fn get_previous(&self, unit: usize, key: &str) -> Option<f64> {
        self.previous.get(key)?.get(unit).copied().flatten()
    }

    /// Whether any value (current period) was given for `key`.
    pub fn has_key(&self, key: &str) -> bool {
        self.current.contains_key(key)
    }

    /// The column for `key`, if any.
    pub(super) fn column(&self, key: &str) -> Option<&[Option<f64>]> {
        self.current.get(key).map(Vec::as_slice)
    }
}

fn set_in(
    table: &mut HashMap<String, Vec<Option<f64>>>,
    index: &HashMap<String, usize>,
    n: usize,
    unit: &str,
    key: &str,
    value: Option<f64>,
) -> bool {
    let Some(&i) = index.get(unit) else {
        return false;
    };
    let col = table.entry(key.to_owned()).or_insert_with(|| vec![None; n]);
    col[i] = value.filter(|v| v.is_finite());
    true
}
