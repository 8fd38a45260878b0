//! Black-box tests through a real server on port 0, on SQLite and (when
//! `ZHILI_TEST_PG_URL` is set) PostgreSQL. One test binary for all HTTP tests.

mod helpers;

mod alerts;
mod auth;
mod case_admin;
mod case_on_spot;
mod case_pages;
mod cases;
mod dashboard;
mod idempotency;
mod indices;
mod open311;
mod openapi;
mod organisation;
mod pages;
mod portal;
mod registry;
mod registry_export;
mod registry_links;
mod registry_pages;
mod report_data;
mod report_intervals;
mod users;
mod webhook;
