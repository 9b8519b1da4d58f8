"""The dashboard's static files (dashboard.html, .js, .css), served by app/api/routes/ops/dashboard.py.

No Python code: the page is plain HTML and JavaScript without a build step; it reads the REST API under /v1
with the user's API key and draws with Chart.js from the npm package (node_modules/chart.js)."""
