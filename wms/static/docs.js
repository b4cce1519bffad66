// Starts Swagger UI on /docs (wms/templates/docs.html): a file, not an inline script, so that
// the page's Content-Security-Policy allows scripts from this server only.
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.url,
    domNode: root,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    validatorUrl: null,  // no calls to swagger.io: a store's server may be offline
    deepLinking: true
  });
});
