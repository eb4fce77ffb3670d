package content

// Group is one content type as the token editor's accordion shows it: a
// heading and a checkbox per action.
type Group struct {
	UID         string
	DisplayName string
	PluralName  string
	Kind        Kind
	Actions     []ActionInfo
}

// ActionInfo is one action with the REST route it guards, so an admin
// granting it sees what a token holder will be able to call.
type ActionInfo struct {
	Action      string // e.g. "api::article.article.findOne"
	Verb        string // e.g. "findOne"
	Method      string // e.g. "GET"
	Path        string // e.g. "/api/articles/:documentId"
	Description string // e.g. "Read one entry"
}

// Groups returns one group per content type, in Types order, each listing
// its actions in route order.
func (r *Registry) Groups() []Group {
	groups := make([]Group, 0, len(r.types))
	for _, ct := range r.types {
		uid := ct.UID()
		base := "/api/" + ct.RouteName()
		g := Group{UID: uid, DisplayName: ct.DisplayName, PluralName: ct.PluralName, Kind: ct.Kind}
		for _, rt := range ct.Routes() {
			g.Actions = append(g.Actions, ActionInfo{
				Action:      uid + "." + rt.Verb,
				Verb:        rt.Verb,
				Method:      rt.Method,
				Path:        base + rt.Path,
				Description: rt.Description,
			})
		}
		groups = append(groups, g)
	}
	return groups
}
