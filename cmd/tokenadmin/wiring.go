package main

import (
	"fmt"
	"time"

	"github.com/tokenadmin/tokenadmin/apitoken"
	"github.com/tokenadmin/tokenadmin/config"
	"github.com/tokenadmin/tokenadmin/content"
	"github.com/tokenadmin/tokenadmin/db"
)

// loadRegistry loads the content types: the built-in ones, or those of
// TOKENADMIN_CONTENT_TYPES. A bad schema stops start-up naming its file.
func loadRegistry(cfg config.Config) (*content.Registry, error) {
	if cfg.ContentTypesDir == "" {
		return content.Default(), nil
	}
	r, err := content.LoadDir(cfg.ContentTypesDir)
	if err != nil {
		return nil, fmt.Errorf("TOKENADMIN_CONTENT_TYPES: %w", err)
	}
	return r, nil
}

// newTokenService wires the one token service the admin and the CLI share.
func newTokenService(d *db.DB, secret []byte, registry *content.Registry) *apitoken.Service {
	hasher := apitoken.NewHasher(config.DeriveKey(secret, config.PurposeTokenHash))
	return apitoken.NewService(d, hasher, registry.KnownAction, time.Now)
}
