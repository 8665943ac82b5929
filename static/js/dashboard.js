/* The dashboard's charts: the trend line and the map of Zhangye's six districts (ECharts, vendored).
   Every point and district links to the ledger rows behind it. */
(function () {
  "use strict";
  function data(id) { var el = document.getElementById(id); return el ? JSON.parse(el.textContent) : null; }
  function go(href) { if (href) { window.location.href = href; } }
  function init() {
    if (!window.echarts) { return; }
    var trend = data("trend-data"), el = document.getElementById("trend-chart");
    if (trend && el) {
      var chart = echarts.init(el);
      var en = document.documentElement.lang === "en";
      chart.setOption({
        tooltip: { trigger: "axis" }, legend: { top: 0, data: [en ? "Received" : "受理", en ? "Closed" : "销号"] },
        grid: { left: 40, right: 16, top: 36, bottom: 28 },
        xAxis: { type: "category", data: trend.labels }, yAxis: { type: "value", minInterval: 1 },
        series: [{ name: en ? "Received" : "受理", type: "line", data: trend.received, smooth: true },
                 { name: en ? "Closed" : "销号", type: "line", data: trend.closed, smooth: true }]
      });
      chart.on("click", function (p) { go(trend.hrefs[p.dataIndex]); });
      window.addEventListener("resize", function () { chart.resize(); });
    }
    var mapData = data("map-data"), mapEl = document.getElementById("district-map");
    if (mapData && mapEl && echarts.getMap && echarts.getMap("张掖")) {
      var map = echarts.init(mapEl);
      var max = Math.max.apply(null, mapData.map(function (d) { return d.value; }).concat([1]));
      map.setOption({
        tooltip: { trigger: "item", formatter: function (p) { return p.name + "：" + (p.value == null || isNaN(p.value) ? 0 : p.value); } },
        visualMap: { min: 0, max: max, left: 8, bottom: 8, calculable: true, inRange: { color: ["#e3f2fd", "#1565c0"] } },
        series: [{ type: "map", map: "张掖", roam: false, data: mapData,
                   label: { show: true, fontSize: 11 }, emphasis: { label: { show: true } } }]
      });
      map.on("click", function (p) { if (p.data) { go(p.data.href); } });
      window.addEventListener("resize", function () { map.resize(); });
      var geo = echarts.getMap("张掖"), json = geo.geoJSON || geo.geoJson;
      mapEl.setAttribute("data-districts", String(json && json.features ? json.features.length : 0));
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
