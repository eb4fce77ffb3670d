// Package contentapi is the content API's operations, which REST and
// GraphQL both call: the permission check, single against collection
// types, find, findOne, create, update and delete against the entry
// store, the entries in Strapi's shape, and Strapi's error vocabulary.
// It knows neither HTTP nor GraphQL: each front end renders its Error and
// entries in its own wire format.
package contentapi
