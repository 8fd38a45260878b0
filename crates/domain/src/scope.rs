//! Jurisdiction: what a user may see. Every user belongs to one node and sees only that
//! node's subtree; everything else answers "not found", so existence does not leak.

use crate::division::DivisionCode;
use crate::node::NodeCode;

/// The part of the organisation a user sees, derived from the user's node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// A division: every division, node and user in its subtree.
    Subtree(DivisionCode),
    /// A work area: the work area itself, the communities grouped in it (listed here, as
    /// stored), and the nodes and users inside those communities.
    WorkArea {
        code: NodeCode,
        communities: Vec<DivisionCode>,
    },
    /// A department or mediation body: only itself and its own users among nodes; for
    /// reading divisions, the territory of the division it sits in.
    Unit {
        code: NodeCode,
        territory: DivisionCode,
    },
}

impl Scope {
    /// Scope of a node; a work area's communities must be supplied by the caller.
    pub fn of(node: &NodeCode, work_area_communities: Vec<DivisionCode>) -> Self {
        match node {
            NodeCode::Division(d) => Scope::Subtree(d.clone()),
            NodeCode::WorkArea { .. } => Scope::WorkArea {
                code: node.clone(),
                communities: work_area_communities,
            },
            NodeCode::Department { division, .. } | NodeCode::Body { division, .. } => {
                Scope::Unit {
                    code: node.clone(),
                    territory: division.clone(),
                }
            }
        }
    }

    /// The scope of the whole city (or any root division).
    pub fn root(city: DivisionCode) -> Self {
        Scope::Subtree(city)
    }

    pub fn sees_division(&self, code: &DivisionCode) -> bool {
        match self {
            Scope::Subtree(root) => root.contains(code),
            Scope::WorkArea { communities, .. } => communities.contains(code),
            Scope::Unit { territory, .. } => territory.contains(code),
        }
    }

    pub fn sees_node(&self, node: &NodeCode) -> bool {
        match (self, node) {
            (_, NodeCode::Division(d)) => self.sees_division(d),
            (Scope::Subtree(root), other) => root.contains(other.division()),
            (Scope::WorkArea { code, communities }, other) => {
                other == code || communities.contains(other.division())
            }
            (Scope::Unit { code, .. }, other) => other == code,
        }
    }

    /// Where browsing the organisation starts for this user.
    pub fn home(&self) -> NodeCode {
        match self {
            Scope::Subtree(root) => NodeCode::Division(root.clone()),
            Scope::WorkArea { code, .. } => code.clone(),
            Scope::Unit { territory, .. } => NodeCode::Division(territory.clone()),
        }
    }

    /// Does this scope cover `other` entirely? A security admin may only create users and
    /// grant roles at nodes inside its own scope.
    pub fn covers(&self, other: &Scope) -> bool {
        match other {
            Scope::Subtree(d) => self.sees_node(&NodeCode::Division(d.clone())),
            Scope::WorkArea { code, .. } | Scope::Unit { code, .. } => self.sees_node(code),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> DivisionCode {
        DivisionCode::parse(s).unwrap()
    }
    fn n(s: &str) -> NodeCode {
        NodeCode::parse(s).unwrap()
    }

    #[test]
    fn a_township_sees_its_subtree_and_not_its_siblings_or_parent() {
        let s = Scope::of(&n("370602001000"), vec![]);
        assert!(s.sees_division(&d("370602001000")));
        assert!(s.sees_division(&d("370602001001")));
        assert!(!s.sees_division(&d("370602002000")));
        assert!(!s.sees_division(&d("370602000000")));
        assert!(s.sees_node(&n("370602001001-M01")));
        assert!(!s.sees_node(&n("370602002001-M01")));
        assert!(!s.sees_node(&n("370602000000-D01")));
    }

    #[test]
    fn a_body_sees_only_itself_among_nodes() {
        let s = Scope::of(&n("370602001001-M01"), vec![]);
        assert!(s.sees_node(&n("370602001001-M01")));
        assert!(!s.sees_node(&n("370602001001-M02")));
        assert!(s.sees_division(&d("370602001001")));
        assert!(!s.sees_division(&d("370602001002")));
    }

    #[test]
    fn a_work_area_sees_its_communities_only() {
        let s = Scope::of(
            &n("370602001000-W01"),
            vec![d("370602001001"), d("370602001002")],
        );
        assert!(s.sees_division(&d("370602001002")));
        assert!(!s.sees_division(&d("370602001003")));
        assert!(!s.sees_division(&d("370602001000")));
        assert!(s.sees_node(&n("370602001001-M01")));
        assert!(s.sees_node(&n("370602001000-W01")));
        assert!(!s.sees_node(&n("370602001000-W02")));
    }

    #[test]
    fn a_county_covers_its_townships_but_not_the_reverse() {
        let county = Scope::of(&n("370602000000"), vec![]);
        let town = Scope::of(&n("370602001000"), vec![]);
        assert!(county.covers(&town));
        assert!(!town.covers(&county));
        assert!(county.covers(&Scope::of(&n("370602001001-M01"), vec![])));
    }
}
