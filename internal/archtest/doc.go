// Package archtest keeps docs/architecture.md and the code in agreement.
//
// The architecture doc lists every package of the module with the module packages it imports
// (production files only, tests excluded). The test in this package parses that table and the
// import clauses of every non-test Go file, and fails on any difference in either direction: a
// new import that the doc does not show, a package the doc forgot, or a row for a package that
// no longer exists. Data flows one way; this is how the doc keeps saying which way.
package archtest
