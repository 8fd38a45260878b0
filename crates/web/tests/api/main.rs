//! Black-box tests through a real server on port 0, on SQLite and (when
//! `ZHILI_TEST_PG_URL` is set) PostgreSQL. One test binary for all HTTP tests.

mod helpers;

mod alerts;
mod auth;
mod case_admin;
mod case_pages;
mod cases;
mod dashboard;
mod indices;
mod open311;
mod organisation;
mod pages;
mod portal;
mod registry;
mod registry_links;
mod registry_pages;
mod users;
